import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { sql } from "kysely";
import { createDatabase } from "../src/db/database.js";
import { createAccount } from "../src/domain/accounts/accounts.js";
import { createCampaign } from "../src/domain/campaigns/campaigns.js";
import { sendCampaign } from "../src/domain/campaigns/send.js";
import type { Context } from "../src/domain/context.js";
import { jobs } from "../src/jobs/queue.js";
import { createLogger } from "../src/log.js";

// Part `campaign` of `npm run bench`: one sandbox email campaign to `subscribers` subscribers
// (all on one list), run end to end by a worker process of its own (`npm run worker`, at its
// default concurrency). The clock starts at send and stops when the campaign is completed:
// every message written by the fan-out and handed to the (sandbox) channel — queued → sent. The
// sandbox then moves each message to delivered and read after its configured delays, which are
// waiting, not work; that time is reported apart. The worker's RSS is sampled from /proc every
// 100 ms from its start to the end, so a fan-out that held its audience in memory would show.

export interface CampaignFigures {
  subscribers: number;
  seedMs: number;
  sentSeconds: number;
  messagesPerSecond: number;
  /** Send → audience_done_at: every message written and queued (the fan-out alone). */
  fanOutSeconds: number;
  readSeconds: number;
  workers: number;
  rssStartMb: number;
  rssPeakMb: number;
  load: string;
}

async function rssOf(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export async function benchCampaign(options: {
  databaseUrl: string;
  subscribers: number;
  /** Worker processes (BENCH_CAMPAIGN_WORKERS, 1); the RSS reported is the largest one's. */
  workers?: number;
}): Promise<CampaignFigures> {
  const log = createLogger(process.env.BENCH_LOG_LEVEL ?? "warn");
  const { db } = createDatabase({ url: options.databaseUrl });
  const { account } = await createAccount(db, { name: "campaign bench" });
  const seeding = performance.now();
  const members = await db
    .insertInto("lists")
    .values({ account_id: account.id, name: "everyone" })
    .returning(["id", "public_id"])
    .executeTakeFirstOrThrow();
  await sql`
    insert into subscribers (account_id, email, first_name)
    select ${account.id}, 'campaign-' || n || '@example.com', 'Reader ' || n
    from generate_series(1, ${options.subscribers}) n`.execute(db);
  await sql`
    insert into subscriptions (account_id, list_id, subscriber_id)
    select account_id, ${members.id}, id from subscribers where account_id = ${account.id}`.execute(
    db,
  );
  await sql`vacuum analyze subscribers`.execute(db);
  await sql`vacuum analyze subscriptions`.execute(db);
  const seedMs = performance.now() - seeding;

  const workers = Array.from({ length: options.workers ?? 1 }, () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/jobs/run-worker.ts"], {
      env: { ...process.env, DATABASE_URL: options.databaseUrl, LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const worker = {
      child,
      output: "",
      exited: new Promise((resolve) => child.once("exit", resolve)),
      start: 0,
      peak: 0,
    };
    child.stdout?.on("data", (chunk) => (worker.output += chunk));
    return worker;
  });
  const sampler = setInterval(() => {
    for (const worker of workers)
      void rssOf(worker.child.pid as number).then((rss) => {
        if (rss === null) return;
        worker.peak = Math.max(worker.peak, rss);
      });
  }, 100);
  try {
    const ctx: Context = {
      db,
      account,
      key: { id: "0", publicId: "bench", scopes: ["admin"], sandbox: true },
      jobs,
      log,
    };
    const campaign = await createCampaign(ctx, {
      name: "bench",
      subject: "Hello {{first_name}}",
      body: "Dear {{first_name}}, this is campaign mail for {{email}}.",
      listIds: [members.public_id],
    });
    // Let the worker start (its RSS at rest is the baseline) before the clock starts.
    await waitFor(
      async () => workers.every((worker) => worker.output.includes('"msg":"worker started"')),
      120_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 3000));
    for (const worker of workers) {
      worker.start = (await rssOf(worker.child.pid as number)) ?? 0;
      worker.peak = worker.start;
    }
    const t0 = performance.now();
    await sendCampaign(ctx, campaign.public_id);
    await waitFor(async () => {
      const row = await db
        .selectFrom("campaigns")
        .select(["status", "failure_reason"])
        .where("id", "=", campaign.id)
        .executeTakeFirstOrThrow();
      if (row.status === "failed") throw new Error(`campaign failed: ${row.failure_reason}`);
      return row.status === "completed";
    }, 600_000);
    const sentSeconds = (performance.now() - t0) / 1000;
    await waitFor(async () => {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from messages
        where account_id = ${account.id} and campaign_id = ${campaign.id} and status = 'read'`.execute(
        db,
      );
      return rows[0].n === options.subscribers;
    }, 600_000);
    const readSeconds = (performance.now() - t0) / 1000;
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from messages
      where account_id = ${account.id} and campaign_id = ${campaign.id}`.execute(db);
    const times = await db
      .selectFrom("campaigns")
      .select(["started_at", "audience_done_at"])
      .where("id", "=", campaign.id)
      .executeTakeFirstOrThrow();
    const fanOutSeconds =
      ((times.audience_done_at as Date).getTime() - (times.started_at as Date).getTime()) / 1000;
    if (rows[0].n !== options.subscribers)
      throw new Error(`${rows[0].n} messages for ${options.subscribers} subscribers`);
    return {
      subscribers: options.subscribers,
      seedMs,
      sentSeconds,
      messagesPerSecond: options.subscribers / sentSeconds,
      fanOutSeconds,
      readSeconds,
      workers: workers.length,
      rssStartMb: Math.max(...workers.map((worker) => worker.start)) / 1024 / 1024,
      rssPeakMb: Math.max(...workers.map((worker) => worker.peak)) / 1024 / 1024,
      load: loadavg()
        .map((n) => n.toFixed(1))
        .join(" "),
    };
  } finally {
    clearInterval(sampler);
    for (const worker of workers) worker.child.kill("SIGTERM");
    await Promise.all(workers.map((worker) => worker.exited));
    await db.destroy();
  }
}

async function waitFor(probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error("bench campaign: timed out");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function campaignReport(figures: CampaignFigures): string {
  return [
    `(j) campaign: ${figures.subscribers.toLocaleString("en")} subscribers (seeded in ${(figures.seedMs / 1000).toFixed(1)} s), sandbox email campaign by ${figures.workers === 1 ? "one worker process" : `${figures.workers} worker processes`}`,
    `    send → completed (every message written and sent): ${figures.sentSeconds.toFixed(1)} s = ${Math.round(figures.messagesPerSecond).toLocaleString("en")} messages/s`,
    `    of which the fan-out (every message written and queued): ${figures.fanOutSeconds.toFixed(1)} s = ${Math.round(figures.subscribers / figures.fanOutSeconds).toLocaleString("en")} messages/s`,
    `    send → every message read (the sandbox's delivery and read delays included): ${figures.readSeconds.toFixed(1)} s`,
    `    ${figures.workers === 1 ? "worker" : "largest worker's"} RSS: ${figures.rssStartMb.toFixed(0)} MB at rest, peak ${figures.rssPeakMb.toFixed(0)} MB during the run; load average ${figures.load}`,
  ].join("\n");
}
