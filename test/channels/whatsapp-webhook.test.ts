import { createHmac } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { ServerType } from "@hono/node-server";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp } from "../../src/http/app.js";
import { serveApp } from "../../src/http/serve.js";
import { jobs } from "../../src/jobs/queue.js";
import { WHATSAPP_WEBHOOK_PATH } from "../../src/rest/providers/whatsapp.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { type Fixture, fixture, log, messageById } from "./fixtures.js";

// WhatsApp's callbacks over HTTP against a live server: the subscription's verification, the
// signature (a forged or missing one is 401 and changes nothing), statuses out of order,
// a failure's reason, messages from contacts (stored once however often Meta sends them), and
// template reviews.

const SECRET = "app-secret-for-tests";
let database: TestDatabase;
let account: Fixture;
let server: ServerType;
let url: string;

beforeAll(async () => {
  database = await createTestDatabase();
  account = await fixture(database);
  const app = createApp({
    db: database.db,
    pool: database.pool,
    jobs,
    log,
    whatsapp: { appSecret: SECRET, verifyToken: "verify-me" },
  });
  server = await new Promise((resolve) => {
    const started = serveApp({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () =>
      resolve(started),
    );
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${WHATSAPP_WEBHOOK_PATH}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => {
    server?.close(() => resolve());
    if (server && "closeAllConnections" in server) server.closeAllConnections();
  });
  await account?.receiver.close();
  await database?.drop();
});

function sign(body: string, secret = SECRET): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

async function post(payload: unknown, signature?: string | null) {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const headers: Record<string, string> = { "content-type": "application/json" };
  const header = signature === undefined ? sign(body) : signature;
  if (header !== null) headers["x-hub-signature-256"] = header;
  return fetch(url, { method: "POST", headers, body });
}

function callback(value: Record<string, unknown>, field = "messages") {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: "102290129340398",
        changes: [
          {
            field,
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550783881", phone_number_id: "1098765" },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

let wamid = 0;
async function sentMessage(phone: string) {
  wamid += 1;
  const contact = await account.contact({ phone });
  const row = await database.db
    .insertInto("messages")
    .values({
      account_id: account.accountId,
      subscriber_id: contact,
      channel: "whatsapp",
      address: phone,
      body: "Your order has shipped",
      status: "sent",
      sent_at: new Date(Date.now() - 60_000),
      provider_message_id: `wamid.HOOK${wamid}`,
      attempts: 1,
    })
    .returning(["id", "provider_message_id"])
    .executeTakeFirstOrThrow();
  return { id: row.id, wamid: row.provider_message_id as string, contact };
}

const status = (id: string, value: string, at: number, errors?: unknown[]) => ({
  id,
  status: value,
  timestamp: String(at),
  recipient_id: "14155550401",
  ...(errors ? { errors } : {}),
});

async function counts() {
  const { rows } = await sql<{ messages: number; events: number; conversations: number }>`
    select (select count(*)::int from messages) as messages,
      (select count(*)::int from webhook_events) as events,
      (select count(*)::int from conversations) as conversations`.execute(database.db);
  return rows[0];
}

it("echoes hub.challenge to a verification with our token, and refuses another token", async () => {
  const good = await fetch(
    `${url}?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444`,
  );
  expect(good.status).toBe(200);
  expect(await good.text()).toBe("1158201444");
  const bad = await fetch(`${url}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1`);
  expect(bad.status).toBe(403);
});

it("refuses a forged or missing signature with 401 and changes nothing", async () => {
  const message = await sentMessage("+14155550401");
  const before = await counts();
  const payload = callback({ statuses: [status(message.wamid, "read", 1796500000)] });
  const body = JSON.stringify(payload);
  for (const signature of [sign(body, "not-the-secret"), null, "sha256=zz", sign(`${body} `)]) {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(signature ? { "x-hub-signature-256": signature } : {}),
      },
      body,
    });
    expect(response.status).toBe(401);
  }
  expect(await counts()).toEqual(before);
  expect((await messageById(database, message.id)).status).toBe("sent");
});

it("keeps read when delivered arrives after it, and fills in the delivery time", async () => {
  const message = await sentMessage("+14155550402");
  const read = await post(callback({ statuses: [status(message.wamid, "read", 1796500100)] }));
  expect(read.status).toBe(200);
  let row = await messageById(database, message.id);
  expect(row.status).toBe("read");
  expect(row.read_at?.toISOString()).toBe(new Date(1796500100 * 1000).toISOString());
  expect(row.delivered_at).toBeNull();

  const late = await post(callback({ statuses: [status(message.wamid, "delivered", 1796500050)] }));
  expect(late.status).toBe(200);
  row = await messageById(database, message.id);
  expect(row.status).toBe("read");
  expect(row.delivered_at?.toISOString()).toBe(new Date(1796500050 * 1000).toISOString());
  // A failure reported after the read changes nothing either.
  await post(callback({ statuses: [status(message.wamid, "failed", 1796500200, [{ code: 1 }])] }));
  expect((await messageById(database, message.id)).status).toBe("read");
  const { rows } = await sql<{ type: string }>`
    select type from webhook_events where data->'message'->>'provider_message_id' = ${message.wamid}
    order by id`.execute(database.db);
  expect(rows.map((event) => event.type)).toEqual(["message.read"]);
});

it("applies a delivered and a read of one callback in the lifecycle's order", async () => {
  const message = await sentMessage("+14155550403");
  const response = await post(
    callback({
      statuses: [
        status(message.wamid, "read", 1796500300),
        status(message.wamid, "delivered", 1796500290),
      ],
    }),
  );
  expect(response.status).toBe(200);
  const row = await messageById(database, message.id);
  expect(row.status).toBe("read");
  expect(row.delivered_at).not.toBeNull();
});

it("fails a message with WhatsApp's reason", async () => {
  const message = await sentMessage("+14155550404");
  const response = await post(
    callback({
      statuses: [
        status(message.wamid, "failed", 1796500400, [
          { code: 131026, title: "Message undeliverable", message: "Message undeliverable" },
        ]),
      ],
    }),
  );
  expect(response.status).toBe(200);
  const row = await messageById(database, message.id);
  expect(row).toMatchObject({
    status: "failed",
    failure_reason: "WhatsApp: Message undeliverable (code 131026)",
  });
});

it("stores a contact's message once in its conversation, however often WhatsApp sends it", async () => {
  const message = await sentMessage("+14155550405");
  const payload = callback({
    contacts: [{ profile: { name: "Ada" }, wa_id: "14155550405" }],
    messages: [
      {
        from: "14155550405",
        id: "wamid.INBOUND1",
        timestamp: "1796500500",
        type: "text",
        text: { body: "Where is my order?" },
      },
    ],
  });
  expect((await post(payload)).status).toBe(200);
  expect((await post(payload)).status).toBe(200);
  const inbound = await database.db
    .selectFrom("messages")
    .selectAll()
    .where("subscriber_id", "=", message.contact)
    .where("direction", "=", "inbound")
    .execute();
  expect(inbound).toHaveLength(1);
  expect(inbound[0]).toMatchObject({
    channel: "whatsapp",
    status: "received",
    body: "Where is my order?",
    provider_message_id: "wamid.INBOUND1",
    address: "+14155550405",
  });
  expect(inbound[0].received_at?.toISOString()).toBe(new Date(1796500500 * 1000).toISOString());
  expect(inbound[0].conversation_id).not.toBeNull();
  const { rows } = await sql<{ type: string }>`
    select type from webhook_events where type in ('message.received', 'conversation.created')
    order by id`.execute(database.db);
  expect(rows.map((event) => event.type)).toEqual(["conversation.created", "message.received"]);
});

it("applies a template review to the template WhatsApp names", async () => {
  const template = await database.db
    .insertInto("templates")
    .values({
      account_id: account.accountId,
      channel: "whatsapp",
      name: "order_update",
      category: "utility",
      body: "Hi {{1}}",
      status: "pending",
      provider_template_id: "594425479261596",
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const response = await post(
    callback(
      {
        event: "REJECTED",
        message_template_id: 594425479261596,
        message_template_name: "order_update",
        message_template_language: "en",
        reason: "INVALID_FORMAT",
      },
      "message_template_status_update",
    ),
  );
  expect(response.status).toBe(200);
  const row = await database.db
    .selectFrom("templates")
    .selectAll()
    .where("id", "=", template.id)
    .executeTakeFirstOrThrow();
  expect(row).toMatchObject({ status: "rejected", status_reason: "INVALID_FORMAT" });
});

it("answers 400 to a signed body that is not JSON, and changes nothing", async () => {
  const before = await counts();
  const response = await post("not json{");
  expect(response.status).toBe(400);
  expect(await counts()).toEqual(before);
});
