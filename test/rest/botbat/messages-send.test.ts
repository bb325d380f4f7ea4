import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { botbat } from "./contacts-client.js";
import { contact, messagingCounts, sendJobsOf, template } from "./messaging-fixtures.js";

// POST /v1/messages/send and GET /v1/messages/{id} over HTTP: a message queued with its send job
// and its conversation, read back with its lifecycle; and every refusal, each changing nothing.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway?.close();
});

interface Message {
  id: string;
  contact_id: string;
  conversation_id: string | null;
  template_id: string | null;
  channel: string;
  status: string;
  address: string;
  subject: string | null;
  body: string;
  variables: Record<string, string>;
  lifecycle: { status: string; at: string }[];
  queued_at: string | null;
  sandbox: boolean;
}

interface Refusal {
  error: { code: string; message: string; details?: { field: string; message: string }[] };
}

async function setup() {
  const account = await gateway.account();
  const api = botbat(gateway, account.key);
  const ada = await contact(gateway, account.id, {
    email: "ada@example.com",
    phone: "+14155550100",
    first_name: "Ada",
  });
  return { account, api, ada };
}

describe("POST /v1/messages/send", () => {
  it("queues an sms with its send job; the first message opens the conversation, the second reuses it", async () => {
    const { account, api, ada } = await setup();
    const first = await api.post<Message>("/v1/messages/send", {
      contact_id: ada.publicId,
      channel: "sms",
      body: "Hello {{first_name}}, your order {{1}} shipped",
      variables: { "1": "#1042" },
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      contact_id: ada.publicId,
      channel: "sms",
      status: "queued",
      address: "+14155550100",
      subject: null,
      body: "Hello Ada, your order #1042 shipped",
      variables: { first_name: "Ada", "1": "#1042" },
      template_id: null,
      sandbox: false,
    });
    expect(first.body.lifecycle).toEqual([{ status: "queued", at: first.body.queued_at }]);
    expect(first.body.conversation_id).toMatch(/^[0-9a-f]{32}$/);

    const stored = await gateway.database.db
      .selectFrom("messages")
      .select("id")
      .where("public_id", "=", first.body.id)
      .executeTakeFirstOrThrow();
    expect(await sendJobsOf(gateway, stored.id)).toBe(1);

    const second = await api.post<Message>("/v1/messages/send", {
      contact_id: ada.publicId,
      channel: "sms",
      body: "Anything else?",
    });
    expect(second.status).toBe(201);
    expect(second.body.conversation_id).toBe(first.body.conversation_id);
    expect(await messagingCounts(gateway, account.id)).toMatchObject({
      messages: 2,
      conversations: 1,
    });

    const read = await api.get<Message>(`/v1/messages/${first.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(first.body);
  });

  it("renders an approved WhatsApp template with positional and named variables", async () => {
    const { account, api, ada } = await setup();
    const id = await template(gateway, account.id, {
      channel: "whatsapp",
      name: "shipped",
      body: "Hi {{1}}, order {{2}} is on its way",
    });
    const sent = await api.post<Message>("/v1/messages/send", {
      contact_id: ada.publicId,
      channel: "whatsapp",
      template_id: id,
      variables: { "1": "{{first_name}}", "2": "#7" },
    });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({
      template_id: id,
      body: "Hi Ada, order #7 is on its way",
      variables: { "1": "Ada", "2": "#7" },
    });
  });

  it("sends an email with the template's subject, and needs a subject for a body", async () => {
    const { account, api, ada } = await setup();
    const id = await template(gateway, account.id, {
      channel: "email",
      name: "receipt",
      subject: "Receipt for {{first_name}}",
      body: "Thanks!",
    });
    const sent = await api.post<Message>("/v1/messages/send", {
      contact_id: ada.publicId,
      channel: "email",
      template_id: id,
    });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ subject: "Receipt for Ada", address: "ada@example.com" });

    const before = await messagingCounts(gateway, account.id);
    const bare = await api.post<Refusal>("/v1/messages/send", {
      contact_id: ada.publicId,
      channel: "email",
      body: "no subject",
    });
    expect(bare.status).toBe(422);
    expect(bare.body.error.details).toEqual([
      { field: "subject", message: "is required for an email" },
    ]);
    expect(await messagingCounts(gateway, account.id)).toEqual(before);
  });
});

describe("POST /v1/messages/send refuses, changing nothing", () => {
  it("another account's contact or template: 404", async () => {
    const { api } = await setup();
    const other = await gateway.account("other");
    const theirs = await contact(gateway, other.id, {
      email: "x@example.com",
      phone: "+14155550101",
    });
    const theirTemplate = await template(gateway, other.id, {
      channel: "sms",
      name: "t",
      body: "hi",
    });
    const mine = await setup();
    const before = await messagingCounts(gateway, other.id);

    const contactAnswer = await api.post<Refusal>("/v1/messages/send", {
      contact_id: theirs.publicId,
      channel: "sms",
      body: "hi",
    });
    expect(contactAnswer.status).toBe(404);
    expect(contactAnswer.body.error).toMatchObject({ code: "not_found" });
    expect(contactAnswer.body.error.message).toContain("contact");

    const templateAnswer = await mine.api.post<Refusal>("/v1/messages/send", {
      contact_id: mine.ada.publicId,
      channel: "sms",
      template_id: theirTemplate,
    });
    expect(templateAnswer.status).toBe(404);
    for (const ids of [
      { contact_id: "a\u0000b" },
      { contact_id: mine.ada.publicId, body: null, template_id: "t\u0000" },
    ]) {
      const answer = await mine.api.post<Refusal>("/v1/messages/send", {
        channel: "sms",
        body: "hi",
        ...ids,
      });
      expect(answer.status, JSON.stringify(ids)).toBe(404);
    }
    expect(await messagingCounts(gateway, other.id)).toEqual(before);
    expect(await messagingCounts(gateway, mine.account.id)).toMatchObject({ messages: 0 });
  });

  it("a WhatsApp template not approved: 409", async () => {
    const { account, api, ada } = await setup();
    for (const status of ["draft", "pending", "rejected", "paused"] as const) {
      const id = await template(gateway, account.id, {
        channel: "whatsapp",
        name: `t-${status}`,
        body: "Hi",
        status,
      });
      const answer = await api.post<Refusal>("/v1/messages/send", {
        contact_id: ada.publicId,
        channel: "whatsapp",
        template_id: id,
      });
      expect(answer.status, status).toBe(409);
      expect(answer.body.error.code).toBe("conflict");
      expect(answer.body.error.message).toContain(status);
    }
    expect(await messagingCounts(gateway, account.id)).toMatchObject({
      messages: 0,
      conversations: 0,
    });
  });

  it("every bad field at once: channel, body and template both or neither, variables", async () => {
    const { account, api, ada } = await setup();
    const id = await template(gateway, account.id, {
      channel: "sms",
      name: "two",
      body: "{{1}} and {{2}} and {{nickname}}",
    });
    const cases: [unknown, { field: string; message?: string }[]][] = [
      [
        { contact_id: ada.publicId, channel: "fax" },
        [
          { field: "channel", message: "must be one of email, sms, whatsapp" },
          { field: "body", message: "is required (or a template)" },
        ],
      ],
      [
        { contact_id: ada.publicId, channel: "sms", body: "x", template_id: id },
        [{ field: "body", message: "give a template or a body, not both" }],
      ],
      [
        { contact_id: ada.publicId, channel: "sms", template_id: id, variables: { "2": "b" } },
        [{ field: "variables[1]" }, { field: "variables.nickname" }],
      ],
      [
        { contact_id: ada.publicId, channel: "sms", body: "x", variables: { "1": 5 } },
        [{ field: "variables[1]", message: "must be text" }],
      ],
      [{ contact_id: ada.publicId, channel: "sms", body: "x".repeat(1601) }, [{ field: "body" }]],
      [
        { contact_id: ada.publicId, channel: "sms", body: "x", subject: "s" },
        [{ field: "subject", message: "only an email has a subject" }],
      ],
      [{ channel: "sms", body: "x" }, [{ field: "contact_id" }]],
    ];
    const before = await messagingCounts(gateway, account.id);
    for (const [body, details] of cases) {
      const answer = await api.post<Refusal>("/v1/messages/send", body);
      expect(answer.status, JSON.stringify(body)).toBe(422);
      expect(answer.body.error.code).toBe("validation_error");
      expect(answer.body.error.details).toEqual(details.map((d) => expect.objectContaining(d)));
    }
    expect(await messagingCounts(gateway, account.id)).toEqual(before);
  });

  it("a contact without a phone on sms or whatsapp: 422 on contact_id", async () => {
    const { account, api } = await setup();
    const mailOnly = await contact(gateway, account.id, { email: "mail@example.com" });
    for (const channel of ["sms", "whatsapp"]) {
      const answer = await api.post<Refusal>("/v1/messages/send", {
        contact_id: mailOnly.publicId,
        channel,
        body: "hi",
      });
      expect(answer.status).toBe(422);
      expect(answer.body.error.details).toEqual([
        { field: "contact_id", message: `the contact has no phone number, which ${channel} needs` },
      ]);
    }
    expect(await messagingCounts(gateway, account.id)).toMatchObject({ messages: 0 });
  });

  it("a bounced or blocklisted contact gets no email (409), but still an sms", async () => {
    const { account, api } = await setup();
    const bounced = await contact(gateway, account.id, {
      email: "b@example.com",
      phone: "+14155550102",
      status: "bounced",
    });
    const blocked = await contact(gateway, account.id, { email: "Blocked@example.com" });
    await gateway.database.db
      .insertInto("blocklist")
      .values({ account_id: account.id, email: "blocked@example.com" })
      .execute();
    for (const who of [bounced, blocked]) {
      const answer = await api.post<Refusal>("/v1/messages/send", {
        contact_id: who.publicId,
        channel: "email",
        subject: "s",
        body: "hi",
      });
      expect(answer.status).toBe(409);
    }
    expect(await messagingCounts(gateway, account.id)).toMatchObject({ messages: 0 });
    const sms = await api.post<Message>("/v1/messages/send", {
      contact_id: bounced.publicId,
      channel: "sms",
      body: "hi",
    });
    expect(sms.status).toBe(201);
  });

  it("a key without messages:write: 403", async () => {
    const { account, ada } = await setup();
    const reader = botbat(
      gateway,
      await gateway.key(account.id, ["messages:read", "contacts:read"]),
    );
    const answer = await reader.post<Refusal>("/v1/messages/send", {
      contact_id: ada.publicId,
      channel: "sms",
      body: "hi",
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe("forbidden");
    expect(await messagingCounts(gateway, account.id)).toMatchObject({ messages: 0 });

    const sender = botbat(gateway, await gateway.key(account.id, ["messages:send"]));
    const sent = await sender.post<Message>("/v1/messages/send", {
      contact_id: ada.publicId,
      channel: "sms",
      body: "hi",
    });
    expect(sent.status).toBe(201);
    expect((await sender.get(`/v1/messages/${sent.body.id}`)).status).toBe(200);
    expect(
      (
        await botbat(gateway, await gateway.key(account.id, ["contacts:read"])).get(
          `/v1/messages/${sent.body.id}`,
        )
      ).status,
    ).toBe(403);
  });

  it("an Idempotency-Key retry answers the first message again and sends nothing more", async () => {
    const { account, api, ada } = await setup();
    const body = { contact_id: ada.publicId, channel: "sms", body: "once" };
    const headers = { "idempotency-key": "send-once-1" };
    const first = await api.call<Message>("POST", "/v1/messages/send", body, headers);
    const retry = await api.call<Message>("POST", "/v1/messages/send", body, headers);
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body).toEqual(first.body);
    expect(await messagingCounts(gateway, account.id)).toMatchObject({ messages: 1 });
  });

  it("another account's message is 404 on GET", async () => {
    const { api, ada } = await setup();
    const sent = await api.post<Message>("/v1/messages/send", {
      contact_id: ada.publicId,
      channel: "sms",
      body: "mine",
    });
    const other = botbat(gateway, (await gateway.account("other")).key);
    const answer = await other.get<Refusal>(`/v1/messages/${sent.body.id}`);
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe("not_found");
  });
});
