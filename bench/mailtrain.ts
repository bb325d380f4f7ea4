import { readFile } from "node:fs/promises";
import autocannon from "autocannon";
import { sql } from "kysely";
import type { DB } from "../src/db/database.js";

// Mailtrain dialect figures for `npm run bench`:
// - POST /api/subscribe requests/s (a new address per request, form bodies as curl sends them);
// - GET /api/subscriptions of a whole list (default limit, so 10,000 rows unless `limit` says
//   otherwise: pass limit "0" for every row): seconds to the last byte, and the server's peak
//   resident memory while it streams (sampled from /proc/<pid>/status, Linux only).

export interface MailtrainFigures {
  subscribeRequestsPerSecond: number;
  subscribeP99Ms: number;
  subscribeNon2xx: number;
  subscriptionsRows: number;
  subscriptionsBytes: number;
  subscriptionsSeconds: number;
  /** The server's resident memory just before the listing, and its peak during it; null when
   * the server's pid was not given or /proc is not there. */
  rssBeforeMb: number | null;
  peakRssMb: number | null;
}

export interface MailtrainBenchOptions {
  baseUrl: string;
  token: string;
  /** The list the subscribe load writes to and the listing reads (seedMailtrainList's cid). */
  listCid: string;
  /** The server process, to sample its memory while it streams. */
  serverPid?: number;
  seconds?: number;
  connections?: number;
  /** `limit` of the listing: "0" reads the whole list whatever its size. Default: Mailtrain's. */
  limit?: string;
}

/**
 * A list of `count` subscribers for the listing, written set-based in one statement each (with
 * a text and a number custom field, so every row carries custom columns). Answers its cid.
 */
export async function seedMailtrainList(db: DB, accountId: string, count: number): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const list = await trx
      .insertInto("lists")
      .values({ account_id: accountId, name: `mailtrain bench ${count}` })
      .returning(["id", "public_id"])
      .executeTakeFirstOrThrow();
    const fields = await trx
      .insertInto("custom_fields")
      .values([
        {
          account_id: accountId,
          list_id: list.id,
          name: "Company",
          type: "string",
          form_type: "text",
          merge_tag: "MERGE_COMPANY",
          column_name: "custom_company_bench1",
        },
        {
          account_id: accountId,
          list_id: list.id,
          name: "Seats",
          type: "number",
          form_type: "number",
          merge_tag: "MERGE_SEATS",
          column_name: "custom_seats_bench2",
        },
      ])
      .returning("id")
      .execute();
    const [company, seats] = fields.map((field) => field.id);
    await sql`
      insert into subscribers (account_id, email, first_name, last_name, timezone, custom_values)
      select ${accountId}, 'mt-' || n || '@bench.example', 'First ' || n, 'Last ' || n, 'utc',
        jsonb_build_object(${company}::text, 'Company ' || (n % 997), ${seats}::text, n % 50)
      from generate_series(1, ${count}) as n
      on conflict do nothing`.execute(trx);
    await sql`
      insert into subscriptions (account_id, list_id, subscriber_id, status, source)
      select ${accountId}, ${list.id}, id, 'subscribed', 'mailtrain'
      from subscribers where account_id = ${accountId} and email like 'mt-%@bench.example'`.execute(
      trx,
    );
    return list.public_id;
  });
}

async function residentMb(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    return kb === undefined ? null : Number(kb) / 1024;
  } catch {
    return null;
  }
}

async function timeListing(options: MailtrainBenchOptions) {
  const url = new URL(`/api/subscriptions/${options.listCid}`, options.baseUrl);
  url.searchParams.set("access_token", options.token);
  if (options.limit !== undefined) url.searchParams.set("limit", options.limit);
  const before = options.serverPid === undefined ? null : await residentMb(options.serverPid);
  let peak: number | null = before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling && options.serverPid !== undefined) {
      const mb = await residentMb(options.serverPid);
      if (mb !== null) peak = Math.max(peak ?? 0, mb);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const started = performance.now();
  const response = await fetch(url);
  const text = await response.text();
  const seconds = (performance.now() - started) / 1000;
  sampling = false;
  await sampler;
  if (!response.ok)
    throw new Error(`GET /api/subscriptions answered ${response.status}: ${text.slice(0, 200)}`);
  const body = JSON.parse(text) as { data: { subscriptions: unknown[] } };
  return { rows: body.data.subscriptions.length, bytes: text.length, seconds, before, peak };
}

export async function benchMailtrain(options: MailtrainBenchOptions): Promise<MailtrainFigures> {
  const subscribe = new URL(`/api/subscribe/${options.listCid}`, options.baseUrl);
  subscribe.searchParams.set("access_token", options.token);
  const load = await autocannon({
    url: subscribe.toString(),
    method: "POST",
    connections: options.connections ?? 10,
    duration: options.seconds ?? 10,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    // [<id>] becomes a fresh id per request: every request subscribes a new address.
    body: "EMAIL=load-[<id>]%40bench.example&FIRST_NAME=Load&MERGE_SEATS=3",
    idReplacement: true,
  });
  const listing = await timeListing(options);
  return {
    subscribeRequestsPerSecond: Math.round(load.requests.average),
    subscribeP99Ms: load.latency.p99,
    subscribeNon2xx: load.non2xx,
    subscriptionsRows: listing.rows,
    subscriptionsBytes: listing.bytes,
    subscriptionsSeconds: listing.seconds,
    rssBeforeMb: listing.before === null ? null : Math.round(listing.before),
    peakRssMb: listing.peak === null ? null : Math.round(listing.peak),
  };
}
