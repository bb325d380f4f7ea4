import smpp from "smpp";
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
import { startTestSmsc, type TestSmsc } from "./smpp-server.js";

// SMS against a real SMPP server: submit_sm with a receipt asked, receipts turned into
// delivered/failed, refusals (final or passing), a dropped connection, and messages from phones.

let database: TestDatabase;
let account: Fixture;
let smsc: TestSmsc;
let worker: ChannelWorker;
beforeAll(async () => {
  database = await createTestDatabase();
  account = await fixture(database);
  smsc = await startTestSmsc();
  worker = await startChannelWorker(database, {
    smpp: { url: smsc.url, sourceAddr: "15550001111", timeoutMs: 3000 },
  });
  await worker.channels.smpp?.bound();
});
afterAll(async () => {
  await worker?.stop();
  await smsc?.close();
  await account?.receiver.close();
  await database?.drop();
});

async function sms(phone: string, body = "Your code is 1234") {
  const contact = await account.contact({ phone });
  const [id] = await queueMessages(database, {
    accountId: account.accountId,
    contactId: contact,
    channel: "sms",
    address: phone,
    body,
  });
  return { id, contact };
}

it("submits with a receipt asked, records the SMSC's id, then delivered from the receipt", async () => {
  const { id } = await sms("+14155550201");
  const delivered = await messageReaching(database, id, "delivered");
  expect(delivered.provider_message_id).toMatch(/^smsc-\d+$/);
  expect(delivered.sent_at).not.toBeNull();
  expect(delivered.delivered_at).not.toBeNull();
  expect(delivered.attempts).toBe(1);
  const submit = smsc.submits.find((pdu) => pdu.destination_addr === "14155550201");
  expect(submit).toMatchObject({
    registered_delivery: 1,
    source_addr: "15550001111",
    destination_addr: "14155550201",
    dest_addr_ton: 1,
  });
  expect(submit?.short_message).toMatchObject({ message: "Your code is 1234" });
});

it("fails the message on an UNDELIV receipt, with the receipt's state as the reason", async () => {
  smsc.answer = (destination) =>
    destination === "14155550202"
      ? { kind: "accept", receipt: "UNDELIV" }
      : { kind: "accept", receipt: "DELIVRD" };
  const { id } = await sms("+14155550202");
  const failed = await messageReaching(database, id, "failed");
  expect(failed.failure_reason).toBe("SMS not delivered: UNDELIV, error 034");
  expect(failed.sent_at).not.toBeNull();
});

it("fails at once on a final refusal (invalid destination): one attempt, the status named", async () => {
  smsc.answer = (destination) =>
    destination === "14155550203"
      ? { kind: "refuse", status: smpp.errors.ESME_RINVDSTADR }
      : { kind: "accept", receipt: "DELIVRD" };
  const { id } = await sms("+14155550203");
  const failed = await messageReaching(database, id, "failed");
  expect(failed.failure_reason).toBe("the SMSC refused the message: ESME_RINVDSTADR (0x0000000b)");
  expect(failed.attempts).toBe(1);
  expect(smsc.submits.filter((pdu) => pdu.destination_addr === "14155550203")).toHaveLength(1);
  const event = await waitFor(
    () =>
      account
        .events()
        .find((e) => e.type === "message.failed" && e.data.message?.id === failed.public_id),
    "message.failed",
  );
  expect(event.data.message?.failure_reason).toBe(failed.failure_reason);
});

it("retries a throttled message with backoff, then sends it", async () => {
  smsc.answer = (destination, n) =>
    destination === "14155550204" && n < 2
      ? { kind: "refuse", status: smpp.errors.ESME_RTHROTTLED }
      : { kind: "accept", receipt: "DELIVRD" };
  const { id } = await sms("+14155550204");
  const delivered = await messageReaching(database, id, "delivered");
  expect(delivered.attempts).toBe(3);
  expect(smsc.submits.filter((pdu) => pdu.destination_addr === "14155550204")).toHaveLength(3);
});

it("fails after the last attempt when the SMSC keeps refusing for now", async () => {
  smsc.answer = (destination) =>
    destination === "14155550205"
      ? { kind: "refuse", status: smpp.errors.ESME_RSYSERR }
      : { kind: "accept", receipt: "DELIVRD" };
  const { id } = await sms("+14155550205");
  const failed = await messageReaching(database, id, "failed");
  expect(failed.attempts).toBe(5);
  expect(failed.failure_reason).toBe(
    "the SMSC refused the message: ESME_RSYSERR (0x00000008) (after 5 attempts)",
  );
});

it("retries a message whose connection dropped, and sends it once rebound", async () => {
  const bindsBefore = smsc.binds;
  smsc.answer = (destination, n) =>
    destination === "14155550206" && n === 0
      ? { kind: "drop" }
      : { kind: "accept", receipt: "DELIVRD" };
  const { id } = await sms("+14155550206");
  const delivered = await messageReaching(database, id, "delivered");
  expect(delivered.attempts).toBe(2);
  expect(smsc.binds).toBeGreaterThan(bindsBefore);
  expect(smsc.submits.filter((pdu) => pdu.destination_addr === "14155550206")).toHaveLength(2);
});

it("retries a submit the SMSC never answers", async () => {
  smsc.answer = (destination, n) =>
    destination === "14155550207" && n === 0
      ? { kind: "silent" }
      : { kind: "accept", receipt: "DELIVRD" };
  const { id } = await sms("+14155550207");
  const delivered = await messageReaching(database, id, "delivered");
  expect(delivered.attempts).toBe(2);
});

it("stores a message from a known phone in its conversation, and answers the deliver_sm", async () => {
  const { contact } = await sms("+14155550208");
  await waitFor(() => smsc.binds > 0, "bind");
  const status = await smsc.deliver({
    source_addr: "14155550208",
    destination_addr: "15550001111",
    esm_class: 0,
    short_message: "STOP please",
  });
  expect(status).toBe(0);
  const inbound = await waitFor(
    () =>
      database.db
        .selectFrom("messages")
        .selectAll()
        .where("subscriber_id", "=", contact)
        .where("direction", "=", "inbound")
        .executeTakeFirst(),
    "the inbound message",
  );
  expect(inbound).toMatchObject({
    status: "received",
    body: "STOP please",
    channel: "sms",
    address: "+14155550208",
  });
  expect(inbound.received_at).not.toBeNull();
  const thread = await database.db
    .selectFrom("conversations")
    .selectAll()
    .where("id", "=", inbound.conversation_id as string)
    .executeTakeFirstOrThrow();
  expect(thread).toMatchObject({ subscriber_id: contact, channel: "sms", status: "open" });
  await waitFor(
    () => account.events().find((e) => e.type === "message.received"),
    "message.received",
  );
});

it("answers a deliver_sm from a number no account knows, and stores nothing", async () => {
  const before = await database.db
    .selectFrom("messages")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  const status = await smsc.deliver({
    source_addr: "19995550000",
    destination_addr: "15550001111",
    esm_class: 0,
    short_message: "who is this",
  });
  expect(status).toBe(0);
  const after = await database.db
    .selectFrom("messages")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  expect(after.n).toBe(before.n);
  expect(
    await messageById(database, "1").then(
      () => true,
      () => true,
    ),
  ).toBe(true);
});

it("sends a text longer than one SMS whole in message_payload", async () => {
  smsc.answer = () => ({ kind: "accept", receipt: "DELIVRD" });
  const text = "Your parcel is on its way. ".repeat(8).trim();
  const { id } = await sms("+14155550209", text);
  await messageReaching(database, id, "delivered");
  const submit = smsc.submits.find((pdu) => pdu.destination_addr === "14155550209");
  expect(submit?.message_payload).toMatchObject({ message: text });
  expect(submit?.sm_length ?? 0).toBe(0);
});
