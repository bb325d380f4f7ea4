import type { ChildProcess } from "node:child_process";
import { loadavg } from "node:os";
import path from "node:path";
import autocannon from "autocannon";
import { sql } from "kysely";
import type { DB } from "../src/db/database.js";
import { createDatabase } from "../src/db/database.js";
import { ensureDatabase, startEmbeddedPostgres } from "../src/db/embedded.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { createAccount } from "../src/domain/accounts/accounts.js";
import { issueKey } from "../src/domain/accounts/keys.js";
import { searchContacts } from "../src/domain/subscribers/search.js";
import { jobs } from "../src/jobs/queue.js";
import { installJobQueue } from "../src/jobs/worker.js";
import { createLogger, type Logger } from "../src/log.js";
import { LIMIT_NAMES } from "../src/rest/botbat/rate-limits.js";
import { type BenchDatabase, freePort, startBenchDatabase, startServer } from "./harness.js";
import type { HttpFigures } from "./http.js";

// Part `contacts` of `npm run bench`: botbat's Contacts API on an account of BENCH_CONTACTS
// (1,000,000) contacts, seeded set-based in SQL, through a live server of its own (its own
// embedded PostgreSQL in .data-bench-contacts, so it never meets another part's data): p50/p99
// of list, get, create and fuzzy search, every rate limit set out of reach. Also runnable
// alone: `npx tsx bench/contacts.ts`.
//
// Seeding 1,000,000 contacts takes minutes. BENCH_CONTACTS_KEEP=<folder> keeps the seeded
// database in that folder and reuses it on the next run with the same BENCH_CONTACTS (pending
// migrations run on it first, so a new one is applied to 1,000,000 rows as in production);
// BENCH_CONTACTS_ONLY=search loads the search endpoint only. Both when run alone (run.ts seeds
// afresh and loads every endpoint).

const FIRST =
  `James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara
Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty
Anthony Margaret Mark Sandra Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle
Kenneth Carol Kevin Amanda Brian Dorothy George Melissa Timothy Deborah Ronald Stephanie Edward
Rebecca Jason Sharon Jeffrey Laura Ryan Cynthia Jacob Kathleen Gary Amy Nicholas Angela Eric
Shirley Jonathan Anna Stephen Brenda Larry Pamela Justin Emma Scott Nicole Brandon Helen Benjamin
Samantha Samuel Katherine Gregory Christine Alexander Debra Frank Rachel Patrick Carolyn Raymond
Janet Jack Catherine Dennis Maria Jerry Heather Tyler Diane Aaron Ruth Jose Julie Adam Olivia
Nathan Joyce Henry Virginia Douglas Victoria Zachary Kelly Peter Lauren Kyle Christina Ethan Joan
Walter Evelyn Noah Judith Jeremy Megan Christian Andrea Keith Cheryl Roger Hannah Terry Jacqueline
Gerald Martha Harold Gloria Sean Teresa Austin Ann Carl Sara Arthur Madison Lawrence Frances Dylan
Kathryn Jesse Janice Jordan Jean Bryan Abigail Billy Alice Joe Julia Bruce Judy Gabriel Sophia
Logan Grace Albert Denise Willie Amber Alan Doris Juan Marilyn Wayne Danielle Elijah Beverly Randy
Isabella Roy Theresa Vincent Diana Ralph Natalie Eugene Brittany Russell Charlotte Bobby Marie
Mason Kayla Philip Alexis Louis Lori`.split(/\s+/);

const SURNAME_HEADS =
  `Smith John Will Brown Jon Garc Mill Dav Rodr Mart Hern Lop Gonz Wil And Thom Tay
Moor Jack Whit Harr Sanch Clark Ram Lew Rob Walk Young All King Wright Scott Torr Nguy Hill Flor
Green Ad Nel Bak Hall Riv Camp Mitch Cart Rob Gom Phill Ev Turn Diaz Park Cruz Edw Coll Reyes Stew
Morr Mor Murph Cook Rog Gutt Ortiz Morg Coop Peters Bail Reed Kell How Ram Kim Cox Ward Rich Wats
Brook Chav Wood Jam Benn Gray Mend Ruiz Hugh Price Alv Cast Sand Pat Myer Long Ross Fost Jim`.split(
    /\s+/,
  );
const SURNAME_TAILS = [
  "",
  "son",
  "er",
  "s",
  "ez",
  "ton",
  "ley",
  "well",
  "man",
  "ford",
  "ing",
  "ins",
  "by",
  "wood",
  "ett",
  "stein",
  "berg",
  "ard",
  "ish",
  "ola",
];

export interface ContactsBenchOptions {
  contacts: number;
  seconds: number;
  connections: number;
  /** A folder whose seeded database is kept after the run and reused by the next. */
  keep?: string;
  /** Only the search endpoint is loaded (in-process and over HTTP). */
  searchOnly?: boolean;
}

export interface ContactsBenchFigures {
  contacts: number;
  seedMs: number;
  indexMs: number;
  figures: HttpFigures[];
  searchPlan: string;
  /** searchContacts called in-process, one query after another (ms). */
  searchSql: { queries: number; p50: number; p99: number };
}

/**
 * `contacts` people with names from 200 first names × ~1,900 surnames (so "John" is ~0.5 % of
 * the account, as in a real one), an email and a phone each, one of 10 tags, two properties.
 * Seeded like a bulk load: indexes built after the rows.
 */
export async function seedContacts(db: DB, accountId: string, contacts: number) {
  const surnames = SURNAME_HEADS.flatMap((head) => SURNAME_TAILS.map((tail) => head + tail));
  const started = performance.now();
  await sql`insert into tags (account_id, name)
    select ${accountId}, 'tag-' || n from generate_series(1, 10) n`.execute(db);
  await sql`insert into custom_fields (account_id, name, type, options, merge_tag, column_name) values
    (${accountId}, 'plan', 'string', '{}', 'MERGE_PLAN', 'custom_plan_bench1'),
    (${accountId}, 'seats', 'number', '{}', 'MERGE_SEATS', 'custom_seats_bench2')`.execute(db);
  const fields = await db
    .selectFrom("custom_fields")
    .select(["id", "name"])
    .where("account_id", "=", accountId)
    .execute();
  const id = (name: string) => fields.find((field) => field.name === name)?.id ?? "";
  // The tables' indexes (but the primary keys) are dropped during the insert and built once
  // after it, as a bulk load would: 4x faster than maintaining six indexes row by row.
  const { rows: indexes } = await sql<{ name: string; definition: string }>`
    select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as definition
    from pg_index i
    where i.indrelid in ('subscribers'::regclass, 'subscriber_tags'::regclass)
      and not exists (select from pg_constraint c where c.conindid = i.indexrelid)`.execute(db);
  for (const index of indexes) await sql`drop index ${sql.raw(index.name)}`.execute(db);
  await sql`
    insert into subscribers (account_id, email, first_name, last_name, phone, custom_values)
    select ${accountId},
      lower(f.name || '.' || l.name || n) || '@example' || (n % 50) || '.com',
      f.name, l.name,
      '+1' || (201 + n % 700) || lpad((n % 10000000)::text, 7, '0'),
      jsonb_build_object(${id("plan")}::text, (array['free','pro','team'])[1 + n % 3],
        ${id("seats")}::text, 1 + n % 40)
    from generate_series(1, ${contacts}::int) n
    cross join lateral (select (${FIRST}::text[])[1 + (hashint4(n) & 2147483647) % ${FIRST.length}] as name) f
    cross join lateral (select (${surnames}::text[])[1 + (hashint4(n + 7) & 2147483647) % ${surnames.length}] as name) l
  `.execute(db);
  await sql`
    insert into subscriber_tags (account_id, subscriber_id, tag_id)
    select s.account_id, s.id, t.id
    from subscribers s
    join tags t on t.account_id = s.account_id and t.name = 'tag-' || (1 + s.id % 10)
    where s.account_id = ${accountId}`.execute(db);
  const seedMs = performance.now() - started;
  const indexing = performance.now();
  await sql`set maintenance_work_mem = '512MB'`.execute(db);
  for (const index of indexes) await sql.raw(index.definition).execute(db);
  // What autovacuum does to a table after a bulk load (PostgreSQL 13+ vacuums after inserts): the
  // visibility map lets a count read the index alone instead of visiting 1,000,000 heap rows.
  await sql`vacuum (analyze) subscribers, subscriber_tags, subscriptions`.execute(db);
  return { seedMs, indexMs: performance.now() - indexing };
}

/** Fires requests made by `next` (one per call) for `seconds`; latency and throughput. */
async function load(options: {
  name: string;
  url: string;
  key: string;
  seconds: number;
  connections: number;
  next: () => { method?: "GET" | "POST"; path: string; body?: string };
}): Promise<HttpFigures> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    headers: { authorization: `Bearer ${options.key}`, "content-type": "application/json" },
    requests: [
      {
        setupRequest: (request) => {
          const { method = "GET", path: target, body } = options.next();
          return { ...request, method, path: target, body };
        },
      },
    ],
  });
  return {
    name: options.name,
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/** Queries a person would type: fuzzy names, exact names, email parts, phones with punctuation. */
export function searchQueries(
  sample: { first_name: string; last_name: string; email: string; phone: string }[],
) {
  const misspell = (word: string) =>
    word.length > 4 ? word.slice(0, 2) + word.slice(3) : `${word}h`;
  const queries: string[] = ["jon smyth", "john smith"];
  for (const person of sample) {
    queries.push(`${misspell(person.first_name)} ${person.last_name}`.toLowerCase());
    queries.push(`${person.first_name} ${misspell(person.last_name)}`);
    queries.push(person.email.split("@")[0]);
    const digits = person.phone.slice(2);
    queries.push(`(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}`);
  }
  return queries;
}

/** The embedded PostgreSQL kept in `folder` (started again if it was stopped), migrated. */
async function keptBenchDatabase(folder: string, log: Logger): Promise<BenchDatabase> {
  const postgres = await startEmbeddedPostgres({
    dataDir: path.resolve(folder),
    port: await freePort(),
    log,
  });
  await ensureDatabase(postgres.url("postgres"), "bench");
  const databaseUrl = postgres.url("bench");
  const { db, pool } = createDatabase({ url: databaseUrl });
  const migrating = performance.now();
  await migrateToLatest(db);
  await installJobQueue(pool, log);
  console.log(
    `contacts: kept database in ${folder} migrated in ${((performance.now() - migrating) / 1000).toFixed(1)} s`,
  );
  return { databaseUrl, db, pool, remove: () => postgres.stop() };
}

/** The bench's account: a kept database's, seeded by an earlier run, or a new one seeded now. */
async function benchAccount(db: DB, contacts: number, reuse: boolean) {
  const name = `bench contacts ${contacts}`;
  const kept = reuse
    ? await db.selectFrom("accounts").selectAll().where("name", "=", name).executeTakeFirst()
    : undefined;
  if (kept) {
    const { secret } = await issueKey(db, kept.id);
    console.log(`contacts: reusing the ${contacts.toLocaleString("en")} contacts seeded earlier`);
    return { account: kept, key: secret, seedMs: 0, indexMs: 0 };
  }
  const { account, secret: key } = await createAccount(db, { name });
  const { seedMs, indexMs } = await seedContacts(db, account.id, contacts);
  console.log(
    `contacts: seeded ${contacts.toLocaleString("en")} contacts in ${(seedMs / 1000).toFixed(1)} s, indexes built in ${(indexMs / 1000).toFixed(1)} s`,
  );
  return { account, key, seedMs, indexMs };
}

export async function benchContacts(options: ContactsBenchOptions): Promise<ContactsBenchFigures> {
  const log = createLogger("warn");
  const database = options.keep
    ? await keptBenchDatabase(options.keep, log)
    : await startBenchDatabase(".data-bench-contacts", log);
  const { databaseUrl, db } = database;
  let server: ChildProcess | undefined;
  try {
    const { account, key, seedMs, indexMs } = await benchAccount(
      db,
      options.contacts,
      options.keep !== undefined,
    );

    const sample = await sql<{
      public_id: string;
      first_name: string;
      last_name: string;
      email: string;
      phone: string;
    }>`select public_id, first_name, last_name, email, phone from subscribers
       where account_id = ${account.id} order by hashint8(id) limit 200`.execute(db);
    const people = sample.rows;
    const queries = searchQueries(people.slice(0, 50));

    // The way "jon smyth" finds John Smith among a million: the names' sounds, by index.
    const sound = (column: string) => sql.raw(`dmetaphone(coalesce(${column}, ''))`);
    const { rows: plan } = await sql<{ "QUERY PLAN": string }>`explain (analyze, buffers)
      select id from subscribers
      where account_id = ${account.id}
        and ((${sound("first_name")} = dmetaphone('jon') and ${sound("last_name")} = dmetaphone('smyth'))
          or (${sound("first_name")} = dmetaphone('smyth') and ${sound("last_name")} = dmetaphone('jon')))`.execute(
      db,
    );
    const searchPlan = plan.map((row) => row["QUERY PLAN"]).join("\n");
    // The domain's search alone, in this process, one query at a time: what the database costs.
    const ctx = { db, account, key: null, jobs, log };
    // One pass first: a kept database starts with cold caches, a freshly seeded one with warm.
    for (const q of queries) await searchContacts(ctx, q, { limit: 25 });
    const inProcess: number[] = [];
    for (const q of queries) {
      const start = performance.now();
      await searchContacts(ctx, q, { limit: 25 });
      inProcess.push(performance.now() - start);
    }
    inProcess.sort((a, b) => a - b);
    const searchSql = {
      queries: inProcess.length,
      p50: inProcess[Math.floor(inProcess.length * 0.5)],
      p99: inProcess[Math.min(inProcess.length - 1, Math.floor(inProcess.length * 0.99))],
    };

    const started = await startServer(databaseUrl, "off", {
      // Every limit out of reach: the bench measures the endpoints, not the limiter's refusals.
      BOTBAT_RATE_LIMITS: LIMIT_NAMES.map((name) => `${name}=999999999/1`).join(","),
    });
    server = started.process;
    const { url } = started;
    const common = { url, key, seconds: options.seconds, connections: options.connections };
    let n = 0;
    const at = <T>(items: readonly T[]) => items[n++ % items.length];
    const list = () => ({ path: "/v1/contacts?limit=25" });
    const get = () => ({ path: `/v1/contacts/${at(people).public_id}` });
    const run = Date.now().toString(36);
    const create = () => ({
      method: "POST" as const,
      path: "/v1/contacts",
      body: JSON.stringify({
        name: "Bench Person",
        email: `bench.${run}.${n++}@example.org`,
        phone: "+14155550100",
        tags: ["tag-1", "bench"],
        properties: { plan: "pro", seats: 3 },
      }),
    });
    const search = () => ({ path: `/v1/contacts/search?q=${encodeURIComponent(at(queries))}` });

    // A short warm-up lets V8 optimise the hot paths and Postgres fill its caches.
    for (const next of options.searchOnly ? [search] : [list, get, search])
      await load({ ...common, name: "warm-up", seconds: 3, next });
    const figures: HttpFigures[] = [];
    if (!options.searchOnly) {
      figures.push(
        await load({ ...common, name: "GET /v1/contacts (25, with total)", next: list }),
      );
      figures.push(await load({ ...common, name: "GET /v1/contacts/{id}", next: get }));
      figures.push(await load({ ...common, name: "POST /v1/contacts", next: create }));
    }
    figures.push(await load({ ...common, name: "GET /v1/contacts/search?q=", next: search }));
    // One client at a time: the latency of a search itself, without queueing behind nine others
    // on two cores.
    figures.push(
      await load({
        ...common,
        connections: 1,
        name: "GET /v1/contacts/search?q= (1 connection)",
        next: search,
      }),
    );
    await db.destroy();
    return { contacts: options.contacts, seedMs, indexMs, figures, searchPlan, searchSql };
  } finally {
    if (server) {
      server.kill("SIGTERM");
      await new Promise((resolve) => server?.once("exit", resolve));
    }
    await database.remove();
  }
}

/** The part's table, as run.ts prints the others. */
export function contactsReport(result: ContactsBenchFigures, connections: number): string {
  const rows = [
    ["contacts endpoint", "requests/s", "p50 ms", "p99 ms", "errors", "non-2xx"],
    ...result.figures.map((figure) => [
      figure.name,
      String(figure.requestsPerSecond),
      String(figure.p50),
      String(figure.p99),
      String(figure.errors),
      String(figure.non2xx),
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const table = rows
    .map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join("  "))
    .join("\n");
  const execution = /Execution Time: ([\d.]+) ms/.exec(result.searchPlan)?.[1];
  const { searchSql } = result;
  return `\n(g) botbat contacts on an account of ${result.contacts.toLocaleString("en")}, ${connections} connections, load average ${loadavg()[0].toFixed(1)}\n${table}\nsearch in-process, ${searchSql.queries} queries one at a time: p50 ${searchSql.p50.toFixed(1)} ms, p99 ${searchSql.p99.toFixed(1)} ms; 'jon smyth' by sound alone (EXPLAIN ANALYZE): ${execution ?? "?"} ms`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
  const result = await benchContacts({
    contacts: Number(process.env.BENCH_CONTACTS ?? 1_000_000),
    seconds: Number(process.env.BENCH_SECONDS ?? 10),
    connections,
    keep: process.env.BENCH_CONTACTS_KEEP || undefined,
    searchOnly: process.env.BENCH_CONTACTS_ONLY === "search",
  });
  console.log(result.searchPlan);
  console.log(contactsReport(result, connections));
}
