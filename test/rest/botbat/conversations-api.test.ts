import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { receiveInbound } from "../../../src/domain/messages/inbound.js";
import { jobs } from "../../../src/jobs/queue.js";
import { createLogger } from "../../../src/log.js";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { type Botbat, botbat } from "./contacts-client.js";
import { agent, contact } from "./messaging-fixtures.js";

// The Conversations API over HTTP: conversations opened by messages, listed by status and
// assignee, read with their history page by page, assigned and resolved with their events; and
// each bad request refused without a change.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway?.close();
});

interface Conversation {
  id: string;
  contact_id: string;
  channel: string;
  status: string;
  assignee_id: string | null;
  resolved_at: string | null;
  messages?: { data: { id: string; body: string }[]; cursor: string | null; total: number };
}

interface Page<T> {
  data: T[];
  cursor: string | null;
  total: number;
}

interface Refusal {
  error: { code: string; details?: { field: string; message: string }[] };
}

/** An account whose webhook hears conversation events (nobody delivers them: no worker). */
async function setup() {
  const account = await gateway.account();
  const api = botbat(gateway, account.key);
  const hook = await api.post("/v1/webhooks", {
    url: "https://93.184.215.14/hook",
    events: ["conversation.created", "conversation.assigned", "conversation.resolved"],
  });
  expect(hook.status).toBe(201);
  return { account, api };
}

async function send(api: Botbat, contactId: string, body: string, channel = "sms") {
  const answer = await api.post<{ id: string; conversation_id: string }>("/v1/messages/send", {
    contact_id: contactId,
    channel,
    body,
  });
  expect(answer.status).toBe(201);
  return answer.body;
}

async function events(accountId: string) {
  const { rows } = await sql<{
    type: string;
    data: { conversation: Conversation; agent?: unknown };
  }>`
    select type, data from webhook_events where account_id = ${accountId} order by id`.execute(
    gateway.database.db,
  );
  return rows;
}

async function conversationRows(accountId: string) {
  return gateway.database.db
    .selectFrom("conversations")
    .selectAll()
    .where("account_id", "=", accountId)
    .orderBy("id")
    .execute();
}

describe("conversations", () => {
  it("lists by status and assignee, page by page", async () => {
    const { account, api } = await setup();
    const people = [];
    for (let i = 0; i < 5; i++)
      people.push(
        await contact(gateway, account.id, {
          email: `p${i}@example.com`,
          phone: `+1415555011${i}`,
        }),
      );
    const ids = [];
    for (const person of people) ids.push((await send(api, person.publicId, "hi")).conversation_id);
    const bob = await agent(gateway, account.id, "Bob", "bob@example.com");
    expect((await api.post(`/v1/conversations/${ids[1]}/assign`, { agent_id: bob })).status).toBe(
      200,
    );
    expect((await api.post(`/v1/conversations/${ids[3]}/assign`, { agent_id: bob })).status).toBe(
      200,
    );
    expect((await api.post(`/v1/conversations/${ids[3]}/resolve`, {})).status).toBe(200);

    const first = await api.get<Page<Conversation>>("/v1/conversations?limit=2");
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(5);
    expect(first.body.data.map((c) => c.id)).toEqual(ids.slice(0, 2));
    const second = await api.get<Page<Conversation>>(
      `/v1/conversations?limit=2&cursor=${first.body.cursor}`,
    );
    expect(second.body.data.map((c) => c.id)).toEqual(ids.slice(2, 4));
    const last = await api.get<Page<Conversation>>(
      `/v1/conversations?limit=2&cursor=${second.body.cursor}`,
    );
    expect(last.body).toMatchObject({ cursor: null, total: 5 });
    expect(last.body.data.map((c) => c.id)).toEqual(ids.slice(4));

    const ofBob = await api.get<Page<Conversation>>(`/v1/conversations?assignee=${bob}`);
    expect(ofBob.body.data.map((c) => c.id)).toEqual([ids[1], ids[3]]);
    const openOfBob = await api.get<Page<Conversation>>(
      `/v1/conversations?assignee=${bob}&status=open`,
    );
    expect(openOfBob.body.data.map((c) => c.id)).toEqual([ids[1]]);
    const unassigned = await api.get<Page<Conversation>>("/v1/conversations?assignee=unassigned");
    expect(unassigned.body.data.map((c) => c.id)).toEqual([ids[0], ids[2], ids[4]]);
    const resolved = await api.get<Page<Conversation>>("/v1/conversations?status=resolved");
    expect(resolved.body).toMatchObject({ total: 1, data: [{ id: ids[3], status: "resolved" }] });
    const nobody = await api.get<Page<Conversation>>("/v1/conversations?assignee=0123abc");
    expect(nobody.body).toEqual({ data: [], cursor: null, total: 0 });
    for (const query of ["assignee=%00", "contact_id=a%00b", "contact_id=0123abc"]) {
      const none = await api.get<Page<Conversation>>(`/v1/conversations?${query}`);
      expect(none.status, query).toBe(200);
      expect(none.body.total, query).toBe(0);
    }

    for (const query of ["status=closed", "limit=0", "channel=fax"]) {
      const bad = await api.get<Refusal>(`/v1/conversations?${query}`);
      expect(bad.status, query).toBe(422);
    }
    expect((await api.get<Refusal>("/v1/conversations?cursor=nope")).status).toBe(400);
  });

  it("opens one conversation for concurrent first messages, and lists a page in the same statements whatever its size", async () => {
    const { account, api } = await setup();
    const ada = await contact(gateway, account.id, {
      email: "ada@example.com",
      phone: "+14155550100",
    });
    const sent = await Promise.all(
      Array.from({ length: 8 }, (_, i) => send(api, ada.publicId, `burst ${i}`)),
    );
    expect(new Set(sent.map((m) => m.conversation_id)).size).toBe(1);
    expect(await conversationRows(account.id)).toHaveLength(1);
    const created = (await events(account.id)).filter((e) => e.type === "conversation.created");
    expect(created).toHaveLength(1);

    for (let i = 0; i < 6; i++) {
      const person = await contact(gateway, account.id, {
        email: `c${i}@example.com`,
        phone: `+1415555013${i}`,
      });
      await send(api, person.publicId, "hi");
    }
    const statementsFor = async (limit: number) => {
      gateway.database.statements.reset();
      const page = await api.get<Page<Conversation>>(`/v1/conversations?limit=${limit}`);
      expect(page.body.data).toHaveLength(limit);
      return gateway.database.statements
        .sql()
        .filter((statement) => !/rate_limits|idempotency/.test(statement)).length;
    };
    expect(await statementsFor(7)).toBe(await statementsFor(2));
  });

  it("reads a conversation with its history, newest first, page by page", async () => {
    const { account, api } = await setup();
    const ada = await contact(gateway, account.id, {
      email: "ada@example.com",
      phone: "+14155550100",
    });
    const sent = [];
    for (let i = 1; i <= 5; i++) sent.push(await send(api, ada.publicId, `message ${i}`));
    const id = sent[0].conversation_id;
    expect(new Set(sent.map((m) => m.conversation_id)).size).toBe(1);

    const first = await api.get<Conversation>(`/v1/conversations/${id}?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      id,
      contact_id: ada.publicId,
      channel: "sms",
      status: "open",
    });
    expect(first.body.messages?.total).toBe(5);
    expect(first.body.messages?.data.map((m) => m.body)).toEqual(["message 5", "message 4"]);
    const older = await api.get<Conversation>(
      `/v1/conversations/${id}?limit=2&cursor=${first.body.messages?.cursor}`,
    );
    expect(older.body.messages?.data.map((m) => m.body)).toEqual(["message 3", "message 2"]);
    const oldest = await api.get<Conversation>(
      `/v1/conversations/${id}?limit=2&cursor=${older.body.messages?.cursor}`,
    );
    expect(oldest.body.messages).toMatchObject({ cursor: null, total: 5 });
    expect(oldest.body.messages?.data.map((m) => m.body)).toEqual(["message 1"]);

    const stranger = botbat(gateway, (await gateway.account("other")).key);
    expect((await stranger.get<Refusal>(`/v1/conversations/${id}`)).status).toBe(404);
    expect(
      (await api.get<Refusal>("/v1/conversations/0123456789abcdef0123456789abcdef")).status,
    ).toBe(404);
  });

  it("assigns to an agent (conversation.assigned), unassigns with null, and refuses bad agents", async () => {
    const { account, api } = await setup();
    const ada = await contact(gateway, account.id, {
      email: "ada@example.com",
      phone: "+14155550100",
    });
    const { conversation_id: id } = await send(api, ada.publicId, "hi");
    const bob = await agent(gateway, account.id, "Bob", "bob@example.com");
    const other = await gateway.account("other");
    const theirs = await agent(gateway, other.id, "Eve", "eve@example.com");

    const before = await conversationRows(account.id);
    const eventsBefore = await events(account.id);
    const refusals: [string, unknown, number, string][] = [
      [id, { agent_id: theirs }, 404, "not_found"],
      [id, { agent_id: "0123456789abcdef0123456789abcdef" }, 404, "not_found"],
      [id, { agent_id: "a\u0000b" }, 404, "not_found"],
      [id, {}, 422, "validation_error"],
      [id, { agent_id: 7 }, 422, "validation_error"],
      ["0123456789abcdef0123456789abcdef", { agent_id: bob }, 404, "not_found"],
    ];
    for (const [target, body, status, code] of refusals) {
      const answer = await api.post<Refusal>(`/v1/conversations/${target}/assign`, body);
      expect(answer.status, JSON.stringify(body)).toBe(status);
      expect(answer.body.error.code).toBe(code);
    }
    const notJson = await api.call<Refusal>("POST", `/v1/conversations/${id}/assign`, "agent", {
      "content-type": "text/plain",
    });
    expect(notJson.status).toBe(400);
    expect(await conversationRows(account.id)).toEqual(before);
    expect(await events(account.id)).toEqual(eventsBefore);

    const assigned = await api.post<Conversation>(`/v1/conversations/${id}/assign`, {
      agent_id: bob,
    });
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ id, assignee_id: bob, status: "open" });
    const again = await api.post<Conversation>(`/v1/conversations/${id}/assign`, { agent_id: bob });
    expect(again.body).toMatchObject({ assignee_id: bob });
    const unassigned = await api.post<Conversation>(`/v1/conversations/${id}/assign`, {
      agent_id: null,
    });
    expect(unassigned.body).toMatchObject({ assignee_id: null });

    const assignedEvents = (await events(account.id)).filter(
      (e) => e.type === "conversation.assigned",
    );
    expect(assignedEvents.map((e) => [e.data.conversation.assignee_id, e.data.agent])).toEqual([
      [bob, { id: bob, name: "Bob", email: "bob@example.com" }],
      [null, null],
    ]);
  });

  it("resolves once (conversation.resolved); resolving again changes nothing; a reader may not", async () => {
    const { account, api } = await setup();
    const ada = await contact(gateway, account.id, {
      email: "ada@example.com",
      phone: "+14155550100",
    });
    const { conversation_id: id } = await send(api, ada.publicId, "hi");

    const reader = botbat(gateway, await gateway.key(account.id, ["conversations:read"]));
    expect((await reader.get(`/v1/conversations/${id}`)).status).toBe(200);
    for (const [path, body] of [
      [`/v1/conversations/${id}/resolve`, {}],
      [`/v1/conversations/${id}/assign`, { agent_id: null }],
    ] as const)
      expect((await reader.post<Refusal>(path, body)).status).toBe(403);
    const noScope = botbat(gateway, await gateway.key(account.id, ["messages:write"]));
    expect((await noScope.get<Refusal>("/v1/conversations")).status).toBe(403);

    const resolved = await api.post<Conversation>(`/v1/conversations/${id}/resolve`, {});
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: "resolved" });
    expect(resolved.body.resolved_at).not.toBeNull();
    const again = await api.post<Conversation>(`/v1/conversations/${id}/resolve`, {});
    expect(again.status).toBe(200);
    expect(again.body).toEqual(resolved.body);
    const types = (await events(account.id)).map((e) => e.type);
    expect(types).toEqual(["conversation.created", "conversation.resolved"]);

    // A message we send leaves it resolved; the contact's reply opens it, in the same history.
    await send(api, ada.publicId, "one more thing");
    expect((await api.get<Conversation>(`/v1/conversations/${id}`)).body.status).toBe("resolved");
    const reply = await receiveInbound(gateway.database.db, jobs, createLogger("silent"), {
      channel: "sms",
      from: "+1 415 555 0100",
      body: "thanks!",
      providerMessageId: "in-1",
    });
    expect(reply).not.toBeNull();
    const reopened = await api.get<
      Conversation & { messages: { data: { body: string; direction: string; status: string }[] } }
    >(`/v1/conversations/${id}`);
    expect(reopened.body).toMatchObject({ status: "open", resolved_at: null });
    expect(reopened.body.messages.data[0]).toMatchObject({
      body: "thanks!",
      direction: "inbound",
      status: "received",
    });
    expect(reopened.body.messages.total).toBe(3);
  });
});
