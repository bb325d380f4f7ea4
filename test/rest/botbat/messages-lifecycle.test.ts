import type { Runner } from "graphile-worker";
import { afterAll, beforeAll, expect, it } from "vitest";
import { issueKey } from "../../../src/domain/accounts/keys.js";
import { startWorker } from "../../../src/jobs/worker.js";
import { createLogger } from "../../../src/log.js";
import { createMailer } from "../../../src/mail/mailer.js";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { waitFor } from "../../jobs/webhook-receiver.js";
import { botbat } from "./contacts-client.js";
import { contact } from "./messaging-fixtures.js";

// What happens after the send, with a real worker: a sandbox key's message goes through its
// whole lifecycle inside the system (no provider is configured in tests), read back over REST
// and GraphQL alike; and a snoozed conversation opens again when its time comes.

let gateway: TestGateway;
let worker: Runner;
beforeAll(async () => {
  gateway = await startTestGateway();
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? "silent");
  worker = await startWorker({
    db: gateway.database.db,
    pool: gateway.database.pool,
    log,
    mailer: createMailer(undefined, "messages@example.com", log),
  });
});
afterAll(async () => {
  await worker?.stop();
  await gateway?.close();
});

interface Message {
  id: string;
  status: string;
  sandbox: boolean;
  provider_message_id: string | null;
  lifecycle: { status: string; at: string }[];
}

it("a sandbox key's message goes queued → sent → delivered → read without leaving", async () => {
  const account = await gateway.account();
  const { secret } = await issueKey(gateway.database.db, account.id, {
    scopes: ["messages:send", "messages:read"],
    sandbox: true,
  });
  const api = botbat(gateway, secret);
  const ada = await contact(gateway, account.id, {
    email: "ada@example.com",
    phone: "+14155550100",
  });
  const sent = await api.post<Message>("/v1/messages/send", {
    contact_id: ada.publicId,
    channel: "whatsapp",
    body: "Your code is 123456",
  });
  expect(sent.status).toBe(201);
  expect(sent.body).toMatchObject({ status: "queued", sandbox: true });

  const read = await waitFor(
    async () => {
      const answer = await api.get<Message>(`/v1/messages/${sent.body.id}`);
      return answer.body.status === "read" && answer.body;
    },
    "the message to be read",
    30_000,
  );
  expect(read.lifecycle.map((step) => step.status)).toEqual([
    "queued",
    "sent",
    "delivered",
    "read",
  ]);
  expect(read.sandbox).toBe(true);

  const graphql = await gateway.graphql<{
    node: { status: string; sentAt: string | null; readAt: string | null };
  }>(
    `query($id: ID!) { node(id: $id) { ... on Message { status sentAt readAt } } }`,
    { id: Buffer.from(`Message:${sent.body.id}`).toString("base64") },
    account.key,
  );
  expect(graphql.data?.node).toMatchObject({
    status: "READ",
    sentAt: read.lifecycle[1]?.at,
    readAt: read.lifecycle[3]?.at,
  });
});

it("a snoozed conversation opens again when its time comes", async () => {
  const account = await gateway.account();
  const api = botbat(gateway, account.key);
  const ada = await contact(gateway, account.id, {
    email: "ada@example.com",
    phone: "+14155550100",
  });
  const sent = await api.post<{ conversation_id: string }>("/v1/messages/send", {
    contact_id: ada.publicId,
    channel: "sms",
    body: "hi",
  });
  const id = Buffer.from(`Conversation:${sent.body.conversation_id}`).toString("base64");
  const until = new Date(Date.now() + 1500).toISOString();
  const snoozed = await gateway.graphql<{
    snoozeConversation: { conversation: { status: string } };
  }>(
    `mutation($id: ID!, $until: DateTime!) { snoozeConversation(input: {id: $id, until: $until}) {
      ... on SnoozeConversationPayload { conversation { status } } } }`,
    { id, until },
    account.key,
  );
  expect(snoozed.data?.snoozeConversation.conversation.status).toBe("SNOOZED");
  const woken = await waitFor(
    async () => {
      const answer = await api.get<{ status: string; snoozed_until: string | null }>(
        `/v1/conversations/${sent.body.conversation_id}`,
      );
      return answer.body.status === "open" && answer.body;
    },
    "the conversation to open again",
    30_000,
  );
  expect(woken.snoozed_until).toBeNull();
});
