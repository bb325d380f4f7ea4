import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { until, WorkerProcesses } from "../helpers/process.js";
import { startTestGateway, type TestGateway } from "../helpers/server.js";
import { call } from "../rest/botbat/campaigns-fixtures.js";

// A worker process SIGKILLed in the middle of a 20,000-subscriber campaign's fan-out; a second
// worker process takes the job over. Every eligible subscriber ends with exactly one message and
// none is missing. To kill it at a known point, the test holds, uncommitted, a message for a
// subscriber half-way: the fan-out's window that reaches it waits on the unique index, with the
// windows before it committed and the ones after it not yet written.

const SUBSCRIBERS = 20_000;
// An eligible subscriber (not a multiple of 7, 11 or 13), so that its window has to insert it.
const HELD = 10_501;

let gateway: TestGateway;
const workers = new WorkerProcesses(() => ({ DATABASE_URL: gateway.database.url }));

beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await workers.stop();
  await gateway?.close();
});

it("a worker killed mid-campaign: the next one finishes, one message per eligible subscriber, none missing", async () => {
  const db = gateway.database.db;
  const { id: accountId, key } = await gateway.account();
  const members = await db
    .insertInto("lists")
    .values({ account_id: accountId, name: "everyone" })
    .returning(["id", "public_id"])
    .executeTakeFirstOrThrow();
  // Subscriber n: bounced when n % 13 = 0, unsubscribed from the list when n % 7 = 0,
  // blocklisted when n % 11 = 0; the others are eligible.
  await sql`
    insert into subscribers (account_id, email, first_name, status)
    select ${accountId}, 's' || n || '@example.com', 'N' || n,
      case when n % 13 = 0 then 'bounced' else 'active' end
    from generate_series(1, ${SUBSCRIBERS}) n`.execute(db);
  await sql`
    insert into subscriptions (account_id, list_id, subscriber_id, status)
    select account_id, ${members.id}, id,
      case when split_part(substr(email, 2), '@', 1)::int % 7 = 0 then 'unsubscribed' else 'subscribed' end
    from subscribers where account_id = ${accountId}`.execute(db);
  await sql`
    insert into blocklist (account_id, email)
    select ${accountId}, 'S' || n || '@EXAMPLE.com' from generate_series(11, ${SUBSCRIBERS}, 11) n`.execute(
    db,
  );
  const eligible = Array.from({ length: SUBSCRIBERS }, (_, i) => i + 1).filter(
    (n) => n % 13 !== 0 && n % 7 !== 0 && n % 11 !== 0,
  );

  const created = await call(gateway.url, key, "POST", "/v1/campaigns", {
    name: "Big",
    subject: "Hi {{first_name}}",
    body: "Hello {{first_name}}",
    audience: { list_ids: [members.public_id] },
  });
  const campaign = (await created.json()) as { id: string };
  const { id: campaignId } = await db
    .selectFrom("campaigns")
    .select("id")
    .where("public_id", "=", campaign.id)
    .executeTakeFirstOrThrow();
  const held = await db
    .selectFrom("subscribers")
    .select("id")
    .where("account_id", "=", accountId)
    .where("email", "=", `s${HELD}@example.com`)
    .executeTakeFirstOrThrow();

  // The uncommitted message that stops the fan-out half-way.
  const holder = await gateway.database.pool.connect();
  await holder.query("begin");
  await holder.query(
    `insert into messages (account_id, subscriber_id, campaign_id, channel, address, body)
     values ($1, $2, $3, 'email', 'held@example.com', 'held')`,
    [accountId, held.id, campaignId],
  );

  const sent = await call(gateway.url, key, "POST", `/v1/campaigns/${campaign.id}/send`);
  expect(sent.status).toBe(200);
  const first = workers.start();
  // The fan-out waits on the held row: its backend is blocked on a lock.
  await until(
    () => `the fan-out to wait on the held message; worker: ${first.output()}`,
    async () => {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'
          and query like 'insert into "messages"%'`.execute(db);
      return rows[0].n > 0 ? true : null;
    },
    60_000,
  );
  const before = await db
    .selectFrom("campaigns")
    .select(["status", "audience_after", "audience_done_at"])
    .where("id", "=", campaignId)
    .executeTakeFirstOrThrow();
  const written = await sql<{ n: number }>`
    select count(*)::int as n from messages where campaign_id = ${campaignId}`.execute(db);
  first.child.kill("SIGKILL");
  await first.exited;
  await holder.query("rollback");
  holder.release();

  // Killed mid-campaign: windows before the held subscriber written, the rest not.
  expect(before.status).toBe("sending");
  expect(before.audience_done_at).toBeNull();
  expect(Number(before.audience_after)).toBeGreaterThan(0);
  expect(Number(before.audience_after)).toBeLessThan(Number(held.id));
  expect(written.rows[0].n).toBeGreaterThan(0);
  expect(written.rows[0].n).toBeLessThan(eligible.length);

  const second = workers.start();
  await until(
    () => `the campaign to complete; worker: ${second.output()}`,
    async () => {
      const row = await db
        .selectFrom("campaigns")
        .select("status")
        .where("id", "=", campaignId)
        .executeTakeFirstOrThrow();
      return row.status === "completed" ? true : null;
    },
    120_000,
  );

  const { rows: messages } = await sql<{ email: string; n: number }>`
    select s.email, count(*)::int as n from messages m
    join subscribers s on s.account_id = m.account_id and s.id = m.subscriber_id
    where m.account_id = ${accountId} and m.campaign_id = ${campaignId}
    group by s.email`.execute(db);
  expect(messages.filter((row) => row.n !== 1)).toEqual([]);
  const reached = new Set(messages.map((row) => row.email));
  const missing = eligible.filter((n) => !reached.has(`s${n}@example.com`));
  expect(missing).toEqual([]);
  expect(reached.size).toBe(eligible.length);
  const { rows: stats } = await sql<{ queued: number }>`
    select count(*) filter (where status = 'queued')::int as queued from messages
    where campaign_id = ${campaignId}`.execute(db);
  expect(stats[0].queued).toBe(0);
}, 300_000);
