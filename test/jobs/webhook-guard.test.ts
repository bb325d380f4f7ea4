import type { Runner } from "graphile-worker";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { emitEvent } from "../../src/domain/webhooks/events.js";
import { configureWebhooks } from "../../src/domain/webhooks/settings.js";
import { jobs } from "../../src/jobs/queue.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import {
  FAST,
  type Receiver,
  startReceiver,
  startTestWorker,
  waitFor,
} from "./webhook-receiver.js";

// The address guard at delivery time, as production runs it (no allowance for private
// addresses): a webhook whose host now resolves to loopback is refused when it connects, and the
// refusal is recorded. Its row is written directly: DNS that changed after creation looks so.

let database: TestDatabase;
let worker: Runner;
let target: Receiver;

beforeAll(async () => {
  configureWebhooks({ allowPrivate: false });
  database = await createTestDatabase();
  worker = await startTestWorker(database, { ...FAST, allowPrivate: false });
  target = await startReceiver();
});
afterAll(async () => {
  await worker?.stop();
  await target?.close();
  await database?.drop();
});

async function deliverTo(url: string) {
  const { db } = database;
  const account = await db
    .insertInto("accounts")
    .values({ name: `guard ${url}`, owner_email: "owner@example.com" })
    .returningAll()
    .executeTakeFirstOrThrow();
  const webhook = await db
    .insertInto("webhooks")
    .values({ account_id: account.id, url, events: ["contact.created"], secret: "whsec_test" })
    .returningAll()
    .executeTakeFirstOrThrow();
  await emitEvent(db, { account, key: null, jobs }, "contact.created", { contact: {} });
  return waitFor(async () => {
    const rows = await db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("account_id", "=", account.id)
      .where("webhook_id", "=", webhook.id)
      .orderBy("id")
      .execute();
    return rows.length > 0 && rows;
  }, `an attempt to ${url}`);
}

it("refuses a name that resolves to loopback at delivery, and records why", async () => {
  const port = new URL(target.url).port;
  const [first] = await deliverTo(`http://localhost:${port}/hook`);
  expect(first).toMatchObject({ attempt: 1, succeeded: false, status_code: null });
  expect(first?.error).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), a loopback/);
  expect(target.received).toHaveLength(0);
});

it("refuses loopback and metadata literals at delivery", async () => {
  const port = new URL(target.url).port;
  for (const url of [`http://127.0.0.1:${port}/`, "http://169.254.169.254/latest/meta-data"]) {
    const [first] = await deliverTo(url);
    expect(first).toMatchObject({ succeeded: false, status_code: null });
    expect(first?.error).toMatch(/is a loopback, private, link-local or metadata address/);
  }
  expect(target.received).toHaveLength(0);
});

it("every retry is refused too, and nothing ever reaches the receiver", async () => {
  await waitFor(async () => {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from graphile_worker.jobs
      where task_identifier = 'deliver-webhook'`.execute(database.db);
    return rows[0]?.n === 0;
  }, "the retries to end");
  const { rows } = await sql<{ attempts: number; refused: number }>`
    select count(*)::int as attempts, count(*) filter (where error is not null)::int as refused
    from webhook_deliveries`.execute(database.db);
  // Three webhooks, six attempts each (the first and five retries), every one refused.
  expect(rows[0]).toEqual({ attempts: 18, refused: 18 });
  expect(target.received).toHaveLength(0);
});
