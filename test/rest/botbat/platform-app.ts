import type { AddressInfo } from "node:net";
import type { ServerType } from "@hono/node-server";
import { Hono } from "hono";
import { createSubscriber } from "../../../src/domain/subscribers/write.js";
import type { AppDeps } from "../../../src/http/deps.js";
import { serveApp } from "../../../src/http/serve.js";
import { jobs } from "../../../src/jobs/queue.js";
import { createLogger } from "../../../src/log.js";
import type { BotbatEnv } from "../../../src/rest/botbat/auth.js";
import { endpoint } from "../../../src/rest/botbat/endpoint.js";
import { botbatErrors } from "../../../src/rest/botbat/errors.js";
import type { LimitOverrides } from "../../../src/rest/botbat/rate-limits.js";
import { answerError } from "../../../src/rest/kit/errors.js";
import type { TestDatabase } from "../../helpers/database.js";

// A small app of the tests' own, over a real server and the file's database, whose POST routes
// run botbat's real endpoint chain (key, scope, rate limit, body, Idempotency-Key) in front of
// handlers a test controls: one that creates a subscriber, one that fails on its first call,
// one held until the test lets it go.

export interface PlatformApp {
  url: string;
  /** How many times each handler ran. */
  calls: { create: number; flaky: number; held: number };
  /** Lets the held handler's waiting calls finish; `entered` resolves when one is waiting. */
  held: { entered: Promise<void>; release: () => void };
  close: () => Promise<void>;
}

export async function startPlatformApp(
  database: TestDatabase,
  botbatLimits?: LimitOverrides,
): Promise<PlatformApp> {
  const deps: AppDeps = {
    db: database.db,
    pool: database.pool,
    jobs,
    log: createLogger(process.env.TEST_LOG_LEVEL ?? "silent"),
    botbatLimits,
  };
  const calls = { create: 0, flaky: 0, held: 0 };
  let entered!: () => void;
  let release!: () => void;
  const enteredPromise = new Promise<void>((resolve) => (entered = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));

  const app = new Hono<BotbatEnv>();
  app.onError((error, c) => answerError(botbatErrors, c, error));
  const rules = { scope: "subscribers:write", limit: "contacts.create" } as const;
  const create = async (c: import("hono").Context<BotbatEnv>) => {
    const body = (await c.req.json()) as { email?: string };
    const row = await createSubscriber(c.get("domain"), { email: body.email });
    return c.json({ id: row.public_id, email: row.email, sandbox: row.sandbox }, 201);
  };
  app.use("/t/*", ...endpoint(deps, rules));
  app.post("/t/contacts", async (c) => {
    calls.create++;
    return create(c);
  });
  app.post("/t/flaky", async (c) => {
    calls.flaky++;
    if (calls.flaky === 1) throw new Error("the first call fails");
    return create(c);
  });
  app.post("/t/held", async (c) => {
    calls.held++;
    entered();
    await released;
    return create(c);
  });

  const server: ServerType = await new Promise((resolve) => {
    const started = serveApp({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () =>
      resolve(started),
    );
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    held: { entered: enteredPromise, release },
    close: () =>
      new Promise<void>((resolve) => {
        release();
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}
