import { sql } from "kysely";
import { createChannels } from "../src/channels/index.js";
import { defaultChannelSettings } from "../src/channels/settings.js";
import { createAccount } from "../src/domain/accounts/accounts.js";
import { queueSends } from "../src/domain/messages/queue.js";
import { jobs } from "../src/jobs/queue.js";
import { startWorker } from "../src/jobs/worker.js";
import { createLogger } from "../src/log.js";
import { createMailer } from "../src/mail/mailer.js";
import { startBenchDatabase } from "./harness.js";

// The send side of a sandbox campaign: N queued sandbox messages of one campaign (written
// set-based, as the fan-out writes them, with their send jobs), then a real worker in this
// process sends them through the sandbox and moves them to delivered and read (no waits).
// Prints messages/s to sent and to read, and the process's peak RSS.
//   npx tsx bench/sandbox-sends.ts [count=100000] [worker concurrency=4]

const count = Number(process.argv[2] ?? 100_000);
const concurrency = Number(process.argv[3] ?? 4);
const log = createLogger((process.env.LOG_LEVEL as "warn" | undefined) ?? "warn");
const bench = await startBenchDatabase(".bench-sandbox-sends", log);
const { db, pool } = bench;
try {
  const { account } = await createAccount(db, { name: "bench" });
  await sql`insert into subscribers (account_id, email, phone)
    select ${account.id}, 'c' || n || '@example.com', '+1415' || lpad(n::text, 7, '0')
    from generate_series(1, ${count}) as n`.execute(db);
  const campaign = await sql<{
    id: string;
  }>`insert into campaigns (account_id, name, channel, status, sandbox)
    values (${account.id}, 'bench', 'sms', 'sending', true) returning id`.execute(db);
  const { rows } = await sql<{ id: string }>`
    insert into messages (account_id, subscriber_id, campaign_id, channel, address, body, sandbox)
    select account_id, id, ${campaign.rows[0].id}, 'sms', phone, 'Spring sale', true
    from subscribers where account_id = ${account.id}
    returning id`.execute(db);
  await queueSends(
    db,
    { jobs },
    rows.map((row) => row.id),
  );
  const mailer = createMailer(undefined, "bench@example.com", log);
  const channels = createChannels(
    { ...defaultChannelSettings(), sandbox: { deliverySeconds: 0, readSeconds: 0 } },
    { db, jobs, log, mailer },
  );
  let peakRss = process.memoryUsage().rss;
  const meter = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 100);
  const started = performance.now();
  const worker = await startWorker({ db, pool, log, mailer, channels }, { concurrency });
  const countOf = async (status: string) =>
    Number(
      (
        await sql<{ n: string }>`select count(*) as n from messages
          where account_id = ${account.id} and status = ${status}`.execute(db)
      ).rows[0].n,
    );
  let sentAt = 0;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    if (!sentAt && (await countOf("queued")) === 0) sentAt = performance.now();
    if ((await countOf("read")) === count) break;
  }
  const readAt = performance.now();
  clearInterval(meter);
  await worker.stop();
  const seconds = (at: number) => (at - started) / 1000;
  process.stdout.write(
    `${count} sandbox messages, worker concurrency ${concurrency}:\n` +
      `  all sent in ${seconds(sentAt).toFixed(1)} s: ${Math.round(count / seconds(sentAt))} messages/s\n` +
      `  all read in ${seconds(readAt).toFixed(1)} s: ${Math.round(count / seconds(readAt))} messages/s (sent, delivered, read: 3 steps)\n` +
      `  peak RSS ${Math.round(peakRss / 1024 / 1024)} MB\n`,
  );
} finally {
  await db.destroy();
  await bench.remove();
}
