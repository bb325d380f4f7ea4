import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REALTIME_CHANNEL } from "../../../src/domain/realtime/publish.js";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { waitFor } from "../../jobs/webhook-receiver.js";
import { botbat } from "./contacts-client.js";
import { agent, contact } from "./messaging-fixtures.js";

// What GraphQL subscriptions hear of sends and conversation changes: a notice per change, at
// commit, naming the message or conversation (a refused request announces nothing). And the
// reference lists every Messages and Conversations endpoint.

let gateway: TestGateway;
let listener: pg.Client;
const notices: { accountId: string; topic: string; id: string }[] = [];
beforeAll(async () => {
  gateway = await startTestGateway();
  listener = new pg.Client({ connectionString: gateway.database.url });
  await listener.connect();
  listener.on("notification", (message) => notices.push(JSON.parse(message.payload ?? "{}")));
  await listener.query(`listen ${REALTIME_CHANNEL}`);
});
afterAll(async () => {
  await listener?.end();
  await gateway?.close();
});

it("announces a sent message, its new conversation, an assignment and a resolution; a refusal nothing", async () => {
  const account = await gateway.account();
  const api = botbat(gateway, account.key);
  const ada = await contact(gateway, account.id, {
    email: "ada@example.com",
    phone: "+14155550100",
  });
  const bob = await agent(gateway, account.id, "Bob", "bob@example.com");
  const sent = await api.post<{ id: string; conversation_id: string }>("/v1/messages/send", {
    contact_id: ada.publicId,
    channel: "sms",
    body: "hi",
  });
  expect(sent.status).toBe(201);
  const conversation = sent.body.conversation_id;
  await waitFor(() => notices.length >= 2, "the send's notices", 20_000);
  expect(notices).toEqual(
    expect.arrayContaining([
      { accountId: account.id, topic: "conversation", id: conversation },
      { accountId: account.id, topic: "message", id: sent.body.id },
    ]),
  );

  notices.length = 0;
  expect(
    (await api.post(`/v1/conversations/${conversation}/assign`, { agent_id: "0".repeat(32) }))
      .status,
  ).toBe(404);
  expect(
    (await api.post(`/v1/conversations/${conversation}/assign`, { agent_id: bob })).status,
  ).toBe(200);
  expect((await api.post(`/v1/conversations/${conversation}/resolve`, {})).status).toBe(200);
  await waitFor(() => notices.length >= 2, "the changes' notices", 20_000);
  // Notices arrive in commit order: one of the refused assignment would have come first.
  expect(notices).toEqual([
    { accountId: account.id, topic: "conversation", id: conversation },
    { accountId: account.id, topic: "conversation", id: conversation },
  ]);
});

it("shows every Messages and Conversations endpoint in /openapi.json", async () => {
  const document = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { tags?: string[] }>>;
  };
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([, operation]) =>
        operation.tags?.some((tag) => ["Messages", "Conversations"].includes(tag)),
      )
      .map(([method]) => `${method.toUpperCase()} ${path}`),
  );
  expect(operations.sort()).toEqual([
    "GET /v1/conversations",
    "GET /v1/conversations/{id}",
    "GET /v1/messages/{id}",
    "POST /v1/conversations/{id}/assign",
    "POST /v1/conversations/{id}/resolve",
    "POST /v1/messages/send",
  ]);
});
