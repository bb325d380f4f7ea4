import type { ChildProcess } from "node:child_process";
import { createAccount } from "../src/domain/accounts/accounts.js";
import { createLogger } from "../src/log.js";
import { type BotampBatchFigures, benchBotampBatch } from "./botamp.js";
import { benchCampaign, campaignReport } from "./campaign.js";
import { benchContacts, contactsReport } from "./contacts.js";
import { startBenchDatabase, startServer } from "./harness.js";
import { benchGraphQL, type HttpFigures } from "./http.js";
import { benchImport } from "./import.js";
import { benchMailtrain, seedMailtrainList } from "./mailtrain.js";
import { seedAudience } from "./seed.js";
import { benchSse, sseReport } from "./sse.js";
import { benchWebhooks, webhooksReport } from "./webhooks.js";

// `npm run bench`: a live server (its own process) on a fresh embedded PostgreSQL with 10,000
// seeded subscribers, loaded by autocannon from this process. Knobs: BENCH_SECONDS (10),
// BENCH_CONNECTIONS (10), BENCH_SUBSCRIBERS (10000), BENCH_IMPORT_ROWS (1000000),
// BENCH_BOTAMP_ROWS (100000), BENCH_MAILTRAIN_ROWS (100000), BENCH_LARGE_ROWS (50000),
// BENCH_CONTACTS (1000000: botbat contacts (g), on a database of its own), BENCH_WEBHOOK_EVENTS
// (2000) and BENCH_WEBHOOKS (2): webhook deliveries (h).
// Parts: `npm run bench -- import botamp` (or BENCH_ONLY=import,botamp) runs only those of
// http (a, b), mailtrain (d), botamp (e, f), import (c), contacts (g) and webhooks (h).

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const subscriberCount = Number(process.env.BENCH_SUBSCRIBERS ?? 10_000);
const importRows = Number(process.env.BENCH_IMPORT_ROWS ?? 1_000_000);
const botampRows = Number(process.env.BENCH_BOTAMP_ROWS ?? 100_000);
const mailtrainRows = Number(process.env.BENCH_MAILTRAIN_ROWS ?? 100_000);
const largeRows = Number(process.env.BENCH_LARGE_ROWS ?? 50_000);
const contactCount = Number(process.env.BENCH_CONTACTS ?? 1_000_000);
const webhookEvents = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 2_000);
const webhookCount = Number(process.env.BENCH_WEBHOOKS ?? 2);
// (i) SSE fan-out: BENCH_SSE_SUBSCRIBERS (100) subscribers, BENCH_SSE_CHANGES (1000) in a burst.
const sseSubscribers = Number(process.env.BENCH_SSE_SUBSCRIBERS ?? 100);
const sseChanges = Number(process.env.BENCH_SSE_CHANGES ?? 1_000);
// (j) a sandbox campaign: BENCH_CAMPAIGN_SUBSCRIBERS (100000) subscribers, by a worker process.
const campaignSubscribers = Number(process.env.BENCH_CAMPAIGN_SUBSCRIBERS ?? 100_000);
const campaignWorkers = Number(process.env.BENCH_CAMPAIGN_WORKERS ?? 1);
const PARTS = [
  "http",
  "mailtrain",
  "botamp",
  "import",
  "contacts",
  "webhooks",
  "sse",
  "campaign",
] as const;
const only = [...process.argv.slice(2), ...(process.env.BENCH_ONLY ?? "").split(",")]
  .map((part) => part.trim())
  .filter((part) => part !== "");
for (const part of only) {
  if (!(PARTS as readonly string[]).includes(part))
    throw new Error(`unknown bench part ${part}: one of ${PARTS.join(", ")}`);
}
const runs = (part: (typeof PARTS)[number]) => only.length === 0 || only.includes(part);

const NESTED_PAGE = `query Page($first: Int!) {
  subscribers(first: $first) {
    edges { node {
      id email firstName lastName status
      tags { id name }
      subscriptions { status statusChangedAt list { id name } }
      customValues {
        field { id name }
        ... on StringCustomValue { text: value }
        ... on NumberCustomValue { number: value }
        ... on DropdownCustomValue { option: value }
      }
    } }
    pageInfo { endCursor hasNextPage }
  }
}`;

const NODE = `query One($id: ID!) { node(id: $id) { id ... on Subscriber { email firstName lastName } } }`;

async function post(url: string, key: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  if (body.errors) throw new Error(`bench query failed: ${JSON.stringify(body.errors)}`);
  return body.data ?? {};
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join("  "))
    .join("\n");
}

async function main() {
  const log = createLogger("warn");
  const database = await startBenchDatabase(".data-bench", log);
  const { databaseUrl, db } = database;
  let server: ChildProcess | undefined;
  try {
    const { account, secret: key } = await createAccount(db, { name: "bench" });
    const seeding = performance.now();
    await seedAudience(db, account.id, subscriberCount);
    const listCid = runs("mailtrain") ? await seedMailtrainList(db, account.id, mailtrainRows) : "";
    console.log(
      `seeded ${subscriberCount} subscribers${runs("mailtrain") ? `, and ${mailtrainRows} on one list for mailtrain` : ""}, in ${Math.round(performance.now() - seeding)} ms`,
    );

    const started =
      runs("http") || runs("mailtrain") || runs("botamp")
        ? await startServer(databaseUrl, "inline")
        : null;
    server = started?.process;
    const url = started?.url ?? "";
    const figures: HttpFigures[] = [];
    if (runs("http")) {
      const page = (await post(url, key, NESTED_PAGE, { first: 50 })) as {
        subscribers: { edges: { node: { id: string } }[] };
      };
      const someId = page.subscribers.edges[0].node.id;
      await post(url, key, NODE, { id: someId });

      const nestedPage = (
        name: string,
        target: string,
        connectionCount: number,
        runSeconds = seconds,
      ) =>
        benchGraphQL({
          name,
          url: target,
          key,
          query: NESTED_PAGE,
          variables: { first: 50 },
          seconds: runSeconds,
          connections: connectionCount,
        });
      // A short warm-up lets V8 optimise the hot paths before measuring.
      await nestedPage("warm-up", url, connections, 3);
      figures.push(await nestedPage("(a) page of 50 subscribers, nested", url, connections));
      figures.push(
        await benchGraphQL({
          name: "(b) node(id)",
          url,
          key,
          query: NODE,
          variables: { id: someId },
          seconds,
          connections,
        }),
      );

      // HTTP processes are stateless: a second one (WORKER=off) on the same database, the load split.
      const second = await startServer(databaseUrl, "off");
      try {
        await nestedPage("warm-up", second.url, connections, 3);
        const half = Math.max(1, Math.floor(connections / 2));
        const both = await Promise.all([
          nestedPage("first", url, half),
          nestedPage("second", second.url, connections - half),
        ]);
        figures.push({
          name: "(a) the same, 2 HTTP processes",
          requestsPerSecond: both[0].requestsPerSecond + both[1].requestsPerSecond,
          p50: Math.max(both[0].p50, both[1].p50),
          p99: Math.max(both[0].p99, both[1].p99),
          errors: both[0].errors + both[1].errors,
          non2xx: both[0].non2xx + both[1].non2xx,
        });
      } finally {
        second.process.kill("SIGTERM");
        await new Promise((resolve) => second.process.once("exit", resolve));
      }
    }

    const mailtrainRun = (limit?: string) =>
      benchMailtrain({
        baseUrl: url,
        token: key,
        listCid,
        serverPid: server?.pid,
        seconds,
        connections,
        limit,
      });
    const mailtrainDefault = runs("mailtrain") ? await mailtrainRun() : null;
    const mailtrainWhole = runs("mailtrain") ? await mailtrainRun("0") : null;
    const botamp = runs("botamp")
      ? await benchBotampBatch({ baseUrl: url, key, databaseUrl, rows: botampRows })
      : null;
    // A batch into a large account: a fresh account gets `largeRows` subscribers by one batch,
    // then a second batch of as many, half of them updates of the first (with tags each time).
    let large: { first: BotampBatchFigures; second: BotampBatchFigures } | null = null;
    if (runs("botamp")) {
      const { secret } = await createAccount(db, { name: "bench large" });
      const first = await benchBotampBatch({
        baseUrl: url,
        key: secret,
        databaseUrl,
        rows: largeRows,
      });
      const second = await benchBotampBatch({
        baseUrl: url,
        key: secret,
        databaseUrl,
        rows: largeRows,
        run: first.run,
        from: Math.floor(largeRows / 2),
      });
      large = { first, second };
    }

    if (server) {
      server.kill("SIGTERM");
      await new Promise((resolve) => server?.once("exit", resolve));
      server = undefined;
    }

    const imported = runs("import") ? await benchImport({ databaseUrl, rows: importRows }) : null;
    const contacts = runs("contacts")
      ? await benchContacts({ contacts: contactCount, seconds, connections })
      : null;
    const webhooks = runs("webhooks")
      ? await benchWebhooks({ databaseUrl, events: webhookEvents, webhooks: webhookCount })
      : null;
    const sse = runs("sse")
      ? await benchSse({
          database,
          subscribers: sseSubscribers,
          changes: sseChanges,
          pacedPerSecond: 50,
          pacedSeconds: 10,
        })
      : null;
    const campaign = runs("campaign")
      ? await benchCampaign({
          databaseUrl,
          subscribers: campaignSubscribers,
          workers: campaignWorkers,
        })
      : null;
    await db.destroy();

    console.log(
      `\ncontact-gateway bench — ${subscriberCount} subscribers, ${connections} connections, ${seconds} s per run, Node ${process.version}\n`,
    );
    if (figures.length > 0)
      console.log(
        table([
          ["benchmark", "requests/s", "p50 ms", "p99 ms", "errors", "non-2xx"],
          ...figures.map((figure) => [
            figure.name,
            String(figure.requestsPerSecond),
            String(figure.p50),
            String(figure.p99),
            String(figure.errors),
            String(figure.non2xx),
          ]),
        ]),
      );
    if (imported)
      console.log(
        `\n(c) CSV import: ${imported.rows.toLocaleString("en")} rows in ${imported.seconds.toFixed(2)} s = ${Math.round(imported.rowsPerSecond).toLocaleString("en")} rows/s`,
      );
    for (const [name, figures] of [
      ["default limit (10,000)", mailtrainDefault],
      ["limit=0 (whole list)", mailtrainWhole],
    ] as const) {
      if (figures === null) continue;
      console.log(
        `(d) mailtrain, ${name}: POST /api/subscribe ${Math.round(figures.subscribeRequestsPerSecond)} requests/s (p99 ${figures.subscribeP99Ms} ms); GET /api/subscriptions ${figures.subscriptionsRows.toLocaleString("en")} rows (${(figures.subscriptionsBytes / 1024 / 1024).toFixed(1)} MB) in ${figures.subscriptionsSeconds.toFixed(2)} s, server memory ${figures.rssBeforeMb ?? "?"} → peak ${figures.peakRssMb ?? "?"} MB`,
      );
    }
    if (contacts) console.log(contactsReport(contacts, connections));
    if (webhooks) console.log(webhooksReport(webhooks));
    if (sse) console.log(sseReport(sse));
    if (campaign) console.log(campaignReport(campaign));
    if (botamp)
      console.log(
        `(e) botamp create_or_update_many: ${botamp.rows.toLocaleString("en")} subscribers (${(botamp.bodyBytes / 1024 / 1024).toFixed(1)} MB) accepted in ${botamp.acceptMs} ms, processed in ${(botamp.processMs / 1000).toFixed(2)} s = ${Math.round(botamp.rowsPerSecond).toLocaleString("en")} rows/s (created ${botamp.created}, invalid ${botamp.invalid})`,
      );
    if (large) {
      const { first, second } = large;
      console.log(
        `(f) botamp batch into a large account: ${first.rows.toLocaleString("en")} into an empty one in ${(first.processMs / 1000).toFixed(2)} s, then ${second.rows.toLocaleString("en")} into it (${second.created} created, ${second.updated} updated, two tags each) in ${(second.processMs / 1000).toFixed(2)} s = ${Math.round(second.rowsPerSecond).toLocaleString("en")} rows/s`,
      );
    }
  } finally {
    server?.kill("SIGKILL");
    await database.remove();
  }
}

await main();
