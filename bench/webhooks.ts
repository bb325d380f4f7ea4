import http from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import { sql } from "kysely";
import { createDatabase } from "../src/db/database.js";
import { createAccount } from "../src/domain/accounts/accounts.js";
import { emitEvents } from "../src/domain/webhooks/events.js";
import { DEFAULT_WEBHOOK_SETTINGS } from "../src/domain/webhooks/settings.js";
import { jobs } from "../src/jobs/queue.js";
import { startWorker } from "../src/jobs/worker.js";
import { createLogger } from "../src/log.js";
import { createMailer } from "../src/mail/mailer.js";

// Part `webhooks` of `npm run bench`: deliveries per second to a receiver on 127.0.0.1. N events
// are emitted (in batches, as a batch upsert emits them) to W webhooks of one account, and the
// clock runs until every one of the N × W deliveries is recorded. The worker runs in this
// process, at the gateway's concurrency (2) and at 10.

export interface WebhookFigures {
  events: number;
  webhooks: number;
  concurrency: number;
  deliveries: number;
  seconds: number;
  perSecond: number;
  load: number;
}

async function startReceiver() {
  let received = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      received++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function runOnce(
  databaseUrl: string,
  options: { events: number; webhooks: number; concurrency: number },
): Promise<WebhookFigures> {
  const log = createLogger(process.env.BENCH_LOG_LEVEL ?? "warn");
  const { db, pool } = createDatabase({ url: databaseUrl });
  const receiver = await startReceiver();
  const { account } = await createAccount(db, { name: `webhooks bench ${options.concurrency}` });
  for (let i = 0; i < options.webhooks; i++)
    await db
      .insertInto("webhooks")
      .values({
        account_id: account.id,
        url: receiver.url,
        events: ["contact.created"],
        secret: `whsec_bench_${i}`,
      })
      .execute();
  const worker = await startWorker(
    {
      db,
      pool,
      log,
      mailer: createMailer(undefined, "bench@example.com", log),
      webhooks: { ...DEFAULT_WEBHOOK_SETTINGS, allowPrivate: true },
    },
    { concurrency: options.concurrency },
  );
  const expected = options.events * options.webhooks;
  const started = performance.now();
  try {
    const ctx = { account, key: null, jobs };
    for (let sent = 0; sent < options.events; sent += 500) {
      const batch = Array.from({ length: Math.min(500, options.events - sent) }, (_, i) => ({
        contact: { id: `c${sent + i}`, email: `bench${sent + i}@example.com` },
      }));
      await db.transaction().execute((trx) => emitEvents(trx, ctx, "contact.created", batch));
    }
    for (;;) {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from webhook_deliveries
        where account_id = ${account.id} and succeeded`.execute(db);
      if ((rows[0]?.n ?? 0) >= expected) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await worker.stop();
    await receiver.close();
    await db.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    ...options,
    deliveries: expected,
    seconds,
    perSecond: expected / seconds,
    load: loadavg()[0] ?? 0,
  };
}

export async function benchWebhooks(options: {
  databaseUrl: string;
  events: number;
  webhooks: number;
}): Promise<WebhookFigures[]> {
  const figures: WebhookFigures[] = [];
  for (const concurrency of [2, 10])
    figures.push(await runOnce(options.databaseUrl, { ...options, concurrency }));
  return figures;
}

export function webhooksReport(figures: readonly WebhookFigures[]): string {
  return figures
    .map(
      (f) =>
        `(h) webhooks: ${f.deliveries.toLocaleString("en")} deliveries (${f.events.toLocaleString("en")} events × ${f.webhooks} webhooks) to a receiver on 127.0.0.1, worker concurrency ${f.concurrency}: ${f.seconds.toFixed(2)} s = ${Math.round(f.perSecond).toLocaleString("en")} deliveries/s (load ${f.load.toFixed(1)})`,
    )
    .join("\n");
}
