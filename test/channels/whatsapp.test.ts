import { afterAll, beforeAll, expect, it } from "vitest";
import { jobs } from "../../src/jobs/queue.js";
import { sendMessages } from "../../src/jobs/send-messages.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { startCloudApi, type TestCloudApi } from "./cloud-api.js";
import {
  type ChannelWorker,
  type Fixture,
  fixture,
  log,
  messageReaching,
  queueMessages,
  startChannelWorker,
} from "./fixtures.js";

// WhatsApp against a local server speaking the Cloud API's shape: text and template sends,
// a 500 then success (retried), a 400 (failed at once with Meta's message), a timeout (retried).

let database: TestDatabase;
let account: Fixture;
let api: TestCloudApi;
let worker: ChannelWorker;
beforeAll(async () => {
  database = await createTestDatabase();
  account = await fixture(database);
  api = await startCloudApi();
  worker = await startChannelWorker(database, {
    whatsapp: { apiUrl: api.url, phoneNumberId: "1098765", token: "EAAG-test", timeoutMs: 1000 },
  });
});
afterAll(async () => {
  await worker?.stop();
  await api?.close();
  await account?.receiver.close();
  await database?.drop();
});

async function whatsapp(
  phone: string,
  extra: { templateId?: string; variables?: Record<string, string> } = {},
) {
  const contact = await account.contact({ phone });
  const [id] = await queueMessages(database, {
    accountId: account.accountId,
    contactId: contact,
    channel: "whatsapp",
    address: phone,
    body: "Your order has shipped",
    ...extra,
  });
  return id;
}

const sendsTo = (phone: string) => api.requests.filter((request) => request.body.to === phone);

it("sends free text with the bearer token and records WhatsApp's message id", async () => {
  const id = await whatsapp("+14155550301");
  const sent = await messageReaching(database, id, "sent");
  expect(sent.provider_message_id).toMatch(/^wamid\.TEST\d+$/);
  expect(sent.attempts).toBe(1);
  const [request] = sendsTo("+14155550301");
  expect(request.path).toBe("/v21.0/1098765/messages");
  expect(request.authorization).toBe("Bearer EAAG-test");
  expect(request.body).toEqual({
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: "+14155550301",
    type: "text",
    text: { preview_url: false, body: "Your order has shipped" },
  });
});

it("sends a template send as the template's name, language and positional values", async () => {
  const template = await database.db
    .insertInto("templates")
    .values({
      account_id: account.accountId,
      channel: "whatsapp",
      name: "order_shipped",
      language: "en_US",
      category: "utility",
      body: "Hi {{1}}, order {{2}} has shipped",
      status: "approved",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const id = await whatsapp("+14155550302", {
    templateId: template.id,
    variables: { "2": "A-1001", "1": "Ada" },
  });
  await messageReaching(database, id, "sent");
  expect(sendsTo("+14155550302")[0].body).toEqual({
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: "+14155550302",
    type: "template",
    template: {
      name: "order_shipped",
      language: { code: "en_US" },
      components: [
        {
          type: "body",
          parameters: [
            { type: "text", text: "Ada" },
            { type: "text", text: "A-1001" },
          ],
        },
      ],
    },
  });
});

it("retries after a 500 and sends on the next attempt", async () => {
  api.answer = (to, n) =>
    to === "+14155550303" && n === 0
      ? { status: 500, error: "Service temporarily unavailable" }
      : "ok";
  const id = await whatsapp("+14155550303");
  const sent = await messageReaching(database, id, "sent");
  expect(sent.attempts).toBe(2);
  expect(sendsTo("+14155550303")).toHaveLength(2);
});

it("fails at once on a 400, with WhatsApp's message as the reason", async () => {
  api.answer = (to) =>
    to === "+14155550304"
      ? { status: 400, error: "(#131030) Recipient phone number not in allowed list" }
      : "ok";
  const id = await whatsapp("+14155550304");
  const failed = await messageReaching(database, id, "failed");
  expect(failed.failure_reason).toBe(
    "WhatsApp answered 400: (#131030) Recipient phone number not in allowed list (code 131000)",
  );
  expect(failed.attempts).toBe(1);
  expect(sendsTo("+14155550304")).toHaveLength(1);
});

it("retries a send WhatsApp does not answer in time", async () => {
  api.answer = (to, n) => (to === "+14155550305" && n === 0 ? "hang" : "ok");
  const id = await whatsapp("+14155550305");
  const sent = await messageReaching(database, id, "sent");
  expect(sent.attempts).toBe(2);
  expect(sendsTo("+14155550305")).toHaveLength(2);
});

it("sends nothing twice when a job is run again after its messages were sent", async () => {
  const id = await whatsapp("+14155550306");
  await messageReaching(database, id, "sent");
  // The job's payload once more, as graphile-worker would run a job it thinks unfinished.
  await sendMessages({ db: database.db, jobs, log, channels: worker.channels }, [id]);
  expect(sendsTo("+14155550306")).toHaveLength(1);
  expect((await messageReaching(database, id, "sent")).attempts).toBe(1);
});
