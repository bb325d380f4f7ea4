import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Runner } from "graphile-worker";
import {
  DEFAULT_WEBHOOK_SETTINGS,
  type WebhookSettings,
} from "../../src/domain/webhooks/settings.js";
import { startWorker } from "../../src/jobs/worker.js";
import { createLogger } from "../../src/log.js";
import { createMailer } from "../../src/mail/mailer.js";
import type { TestDatabase } from "../helpers/database.js";

// A real HTTP receiver on 127.0.0.1 for delivery tests: it records every request and answers
// what the test scripts (a status, a redirect, or nothing at all).

export interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Answer = { status: number; body?: string; headers?: Record<string, string> } | "hang";

export interface Receiver {
  url: string;
  received: Received[];
  /** What the n-th request (0-based) gets; the default answers 200. */
  answer: (n: number) => Answer;
  close: () => Promise<void>;
}

export async function startReceiver(answer: (n: number) => Answer = () => ({ status: 200 })) {
  const received: Received[] = [];
  const server = http.createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const n = received.length;
    received.push({ path: req.url ?? "/", headers: req.headers, body });
    const reply = receiver.answer(n);
    if (reply === "hang") return;
    res.writeHead(reply.status, reply.headers).end(reply.body ?? "ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}`,
    received,
    answer,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}

/** Polls `probe` until it answers something truthy (generous deadline, no timing asserted). */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  what: string,
  timeoutMs = 60_000,
): Promise<Exclude<T, false | 0 | "" | null | undefined>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Exclude<T, false | 0 | "" | null | undefined>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Short waits for tests: retries after 200 ms, an answer within 1.5 s. */
export const FAST: WebhookSettings = {
  ...DEFAULT_WEBHOOK_SETTINGS,
  allowPrivate: true,
  timeoutMs: 1500,
  retryDelaysMs: [200, 200, 200, 200, 200],
  jitter: 0,
};

/** A real graphile-worker running the product's tasks over the test's database. */
export function startTestWorker(
  database: TestDatabase,
  webhooks: WebhookSettings = FAST,
): Promise<Runner> {
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? "silent");
  return startWorker(
    {
      db: database.db,
      pool: database.pool,
      log,
      mailer: createMailer(undefined, "gateway@example.com", log),
      webhooks,
    },
    { concurrency: 4 },
  );
}

/** The receiver's verification code as the README shows it, loaded as a module. */
export async function readmeVerifier(): Promise<
  (secret: string, headers: http.IncomingHttpHeaders, body: string, now?: number) => boolean
> {
  const readme = readFileSync(new URL("../../src/rest/botbat/README.md", import.meta.url), "utf8");
  const block = /<!-- receiver -->\s*```js\n([\s\S]*?)```\s*<!-- \/receiver -->/.exec(readme);
  if (!block?.[1]) throw new Error("the README has no receiver code block");
  const module = await import(`data:text/javascript,${encodeURIComponent(block[1])}`);
  return module.verifyWebhook;
}
