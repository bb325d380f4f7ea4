import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import {
  type ChannelWorker,
  type Fixture,
  fixture,
  messageById,
  messageReaching,
  queueMessages,
  startChannelWorker,
  waitFor,
} from "./fixtures.js";

// The sandbox: a sandbox key's message, or any message on a channel with no provider outside
// production, goes queued → sent → delivered → read without leaving the system, each step with
// its time and its event; in production the same message fails with the reason.

let database: TestDatabase;
let account: Fixture;
let worker: ChannelWorker;
beforeAll(async () => {
  database = await createTestDatabase();
  account = await fixture(database);
  worker = await startChannelWorker(database);
});
afterAll(async () => {
  await worker?.stop();
  await account?.receiver.close();
  await database?.drop();
});

it("moves a sandbox message through sent, delivered and read, with an event for each", async () => {
  const contact = await account.contact({ phone: "+14155550101", sandbox: true });
  const [id] = await queueMessages(database, {
    accountId: account.accountId,
    contactId: contact,
    channel: "sms",
    address: "+14155550101",
    sandbox: true,
  });
  const read = await messageReaching(database, id, "read");
  expect(read.provider_message_id).toMatch(/^sandbox-/);
  expect(read.sent_at).not.toBeNull();
  expect(read.delivered_at).not.toBeNull();
  expect(read.read_at).not.toBeNull();
  expect(Number(read.sent_at)).toBeLessThanOrEqual(Number(read.delivered_at));
  expect(Number(read.delivered_at)).toBeLessThanOrEqual(Number(read.read_at));

  const events = await waitFor(() => {
    const found = account.receiver.received
      .filter((request) => request.path === "/sandbox")
      .map((request) => JSON.parse(request.body))
      .filter((event) => event.data.message?.id === read.public_id);
    return found.length >= 3 && found;
  }, "three sandbox events");
  expect(events.map((event) => event.type).sort()).toEqual([
    "message.delivered",
    "message.read",
    "message.sent",
  ]);
  const last = events.find((event) => event.type === "message.read");
  expect(last.data.message).toMatchObject({ status: "read", channel: "sms", sandbox: true });
  // A sandbox message reaches no live webhook.
  expect(account.receiver.received.filter((request) => request.path === "/live")).toEqual([]);
});

it("sends to the sandbox a live message whose channel has no provider outside production", async () => {
  const contact = await account.contact({ email: "dev@example.com" });
  const [id] = await queueMessages(database, {
    accountId: account.accountId,
    contactId: contact,
    channel: "email",
    address: "dev@example.com",
    subject: "Hi",
  });
  const read = await messageReaching(database, id, "read");
  expect(read.sandbox).toBe(false);
  expect(read.provider_message_id).toMatch(/^sandbox-/);
});

it("moves a campaign's messages in a few statements per batch, not one per message", async () => {
  const { queueSends, SEND_BATCH } = await import("../../src/domain/messages/queue.js");
  const { jobs } = await import("../../src/jobs/queue.js");
  const count = SEND_BATCH + 50;
  const campaign = await database.db
    .insertInto("campaigns")
    .values({ account_id: account.accountId, name: "Spring", channel: "sms", status: "sending" })
    .returning(["id"])
    .executeTakeFirstOrThrow();
  const { rows } = await sql<{ id: string }>`
    with contacts as (
      insert into subscribers (account_id, email, phone)
      select ${account.accountId}, 'spring' || n || '@example.com', '+1415556' || lpad(n::text, 4, '0')
      from generate_series(1, ${count}::int) as n
      returning id, phone
    )
    insert into messages (account_id, subscriber_id, campaign_id, channel, address, body, sandbox)
    select ${account.accountId}, id, ${campaign.id}, 'sms', phone, 'Spring sale', true from contacts
    returning id`.execute(database.db);
  const ids = rows.map((row) => row.id);
  database.statements.reset();
  await queueSends(database.db, { jobs }, ids);
  await waitFor(
    async () => {
      const rows = await database.db
        .selectFrom("messages")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("campaign_id", "=", campaign.id)
        .where("status", "=", "read")
        .executeTakeFirstOrThrow();
      return Number(rows.n) === count;
    },
    `${count} messages read`,
    120_000,
  );
  // Two batches of up to SEND_BATCH, three steps each: one UPDATE per batch and step.
  const updates = database.statements
    .sql()
    .filter((text) => /update messages m set/.test(text) && /jsonb_to_recordset/.test(text));
  expect(updates.length).toBe(6);
});

it("fails a message whose channel has no provider in production, with the reason", async () => {
  const production = await startChannelWorker(database, { production: true });
  await worker.stop();
  try {
    const contact = await account.contact({ phone: "+14155550199" });
    const [id] = await queueMessages(database, {
      accountId: account.accountId,
      contactId: contact,
      channel: "whatsapp",
      address: "+14155550199",
    });
    const failed = await messageReaching(database, id, "failed");
    expect(failed.failure_reason).toBe("no whatsapp provider configured");
    expect(failed.failed_at).not.toBeNull();
    expect(failed.provider_message_id).toBeNull();
    const event = await waitFor(
      () =>
        account
          .events()
          .find((e) => e.type === "message.failed" && e.data.message?.id === failed.public_id),
      "message.failed",
    );
    expect(event.data.message).toMatchObject({
      status: "failed",
      failure_reason: "no whatsapp provider configured",
    });
    // A sandbox message is still the sandbox's in production.
    const sandboxContact = await account.contact({ phone: "+14155550198", sandbox: true });
    const [sandboxId] = await queueMessages(database, {
      accountId: account.accountId,
      contactId: sandboxContact,
      channel: "whatsapp",
      address: "+14155550198",
      sandbox: true,
    });
    expect((await messageReaching(database, sandboxId, "read")).failure_reason).toBeNull();
    expect((await messageById(database, id)).status).toBe("failed");
  } finally {
    await production.stop();
    worker = await startChannelWorker(database);
  }
});
