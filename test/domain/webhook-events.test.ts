import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAccount } from "../../src/domain/accounts/accounts.js";
import type { Context } from "../../src/domain/context.js";
import { emitEvent, emitEvents } from "../../src/domain/webhooks/events.js";
import { jobs } from "../../src/jobs/queue.js";
import { createLogger } from "../../src/log.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

// Events commit with the change that caused them, reach every webhook that listens (and only
// those), and cost nothing but one statement when no webhook listens.

let database: TestDatabase;
let ctx: Context;
beforeAll(async () => {
  database = await createTestDatabase();
  const { account } = await createAccount(database.db, { name: "events" });
  ctx = { db: database.db, account, key: null, jobs, log: createLogger("silent") };
});
afterAll(async () => {
  await database?.drop();
});

async function deliveryJobs(): Promise<{ webhookId: string; eventId: string; attempt: number }[]> {
  const { rows } = await sql<{ payload: { webhookId: string; eventId: string; attempt: number } }>`
    select j.payload from graphile_worker._private_jobs j
    join graphile_worker._private_tasks t on t.id = j.task_id
    where t.identifier = 'deliver-webhook' order by j.id`.execute(database.db);
  return rows.map((row) => row.payload);
}

async function webhook(events: string[], options: { active?: boolean; sandbox?: boolean } = {}) {
  return database.db
    .insertInto("webhooks")
    .values({
      account_id: ctx.account.id,
      url: "https://hooks.example.com/in",
      events,
      secret: "s",
      active: options.active ?? true,
      sandbox: options.sandbox ?? false,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
}

it("keeps no event when no webhook listens", async () => {
  await webhook(["contact.deleted"]);
  await webhook(["contact.created"], { active: false });
  await webhook(["contact.created"], { sandbox: true });
  await emitEvent(database.db, ctx, "contact.created", { contact: { id: "a" } });
  const events = await database.db.selectFrom("webhook_events").selectAll().execute();
  expect(events).toEqual([]);
  expect(await deliveryJobs()).toEqual([]);
});

it("pairs each event with every listening webhook, and nothing survives a rollback", async () => {
  const first = await webhook(["contact.created", "contact.updated"]);
  const second = await webhook(["contact.created"]);
  await database.db
    .transaction()
    .execute(async (trx) => {
      await emitEvent(trx, ctx, "contact.created", { contact: { id: "rolled-back" } });
      throw new Error("the change fails");
    })
    .catch(() => {});
  expect(await database.db.selectFrom("webhook_events").selectAll().execute()).toEqual([]);

  await database.db
    .transaction()
    .execute((trx) =>
      emitEvents(trx, ctx, "contact.created", [{ contact: { id: "x" } }, { contact: { id: "y" } }]),
    );
  const events = await database.db
    .selectFrom("webhook_events")
    .select(["id", "type", "data"])
    .orderBy("id")
    .execute();
  expect(events.map((event) => event.data)).toEqual([
    { contact: { id: "x" } },
    { contact: { id: "y" } },
  ]);
  const pairs = (await deliveryJobs())
    .map((job) => `${job.webhookId}:${job.eventId}:${job.attempt}`)
    .sort();
  expect(pairs).toEqual(
    events.flatMap((event) => [`${first.id}:${event.id}:1`, `${second.id}:${event.id}:1`]).sort(),
  );
});
