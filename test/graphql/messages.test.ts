import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";
import { botbat } from "../rest/botbat/contacts-client.js";
import { agent, contact, template } from "../rest/botbat/messaging-fixtures.js";

// Messages, conversations and agents through GraphQL: the same domain as botbat's /v1 (a message
// sent here is the one REST reads), typed errors that change nothing, and a page of
// conversations with their contacts, assignees and last messages in a fixed number of statements.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway?.close();
});

const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString("base64");
const publicOf = (globalId: string) => Buffer.from(globalId, "base64").toString().split(":")[1];

const SEND = `mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  __typename
  ... on SendMessagePayload { sentMessage { id status body channel sandbox queuedAt
    contact { email } conversation { id status } } }
  ... on ValidationError { issues { path message } }
  ... on NotFoundError { resource }
  ... on ConflictError { message }
} }`;

interface Sent {
  sendMessage: {
    __typename: string;
    sentMessage?: {
      id: string;
      status: string;
      body: string;
      conversation: { id: string; status: string } | null;
      contact: { email: string };
    };
    issues?: { path: string[]; message: string }[];
    resource?: string;
  };
}

async function send(key: string, input: Record<string, unknown>) {
  const answer = await gateway.graphql<Sent>(SEND, { input }, key);
  expect(answer.errors).toBeUndefined();
  return answer.data?.sendMessage as Sent["sendMessage"];
}

async function count(table: "messages" | "conversations" | "agents", accountId: string) {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}
    where account_id = ${accountId}`.execute(gateway.database.db);
  return rows[0]?.n ?? -1;
}

describe("sendMessage", () => {
  it("sends; REST and GraphQL read the same message, in the same conversation", async () => {
    const account = await gateway.account();
    const ada = await contact(gateway, account.id, {
      email: "ada@example.com",
      phone: "+14155550100",
      first_name: "Ada",
    });
    const sent = await send(account.key, {
      contactId: gid("Subscriber", ada.publicId),
      channel: "SMS",
      body: "Hi {{first_name}}",
    });
    expect(sent.__typename).toBe("SendMessagePayload");
    expect(sent.sentMessage).toMatchObject({
      status: "QUEUED",
      body: "Hi Ada",
      contact: { email: "ada@example.com" },
      conversation: { status: "OPEN" },
    });
    const id = publicOf(sent.sentMessage?.id as string);
    const rest = await botbat(gateway, account.key).get<Record<string, unknown>>(
      `/v1/messages/${id}`,
    );
    expect(rest.status).toBe(200);
    expect(rest.body).toMatchObject({
      id,
      status: "queued",
      body: "Hi Ada",
      conversation_id: publicOf(sent.sentMessage?.conversation?.id as string),
    });

    const again = await send(account.key, {
      contactId: gid("Subscriber", ada.publicId),
      channel: "SMS",
      body: "Still there?",
    });
    expect(again.sentMessage?.conversation?.id).toBe(sent.sentMessage?.conversation?.id);
    const read = await gateway.graphql<{
      node: { messages: { totalCount: number; edges: { node: { body: string } }[] } };
      subscriber: { conversations: { id: string; channel: string }[] };
    }>(
      `query($c: ID!, $s: ID!) {
        node(id: $c) { ... on Conversation { messages(last: 5) { totalCount edges { node { body } } } } }
        subscriber: node(id: $s) { ... on Subscriber { conversations { id channel } } }
      }`,
      { c: sent.sentMessage?.conversation?.id, s: gid("Subscriber", ada.publicId) },
      account.key,
    );
    expect(read.errors).toBeUndefined();
    expect(read.data?.node.messages).toEqual({
      totalCount: 2,
      edges: [{ node: { body: "Hi Ada" } }, { node: { body: "Still there?" } }],
    });
    const listed = await gateway.graphql<{
      queued: { totalCount: number };
      read: { totalCount: number };
    }>(
      `query($s: ID!) {
        queued: messages(filter: {status: QUEUED, contactId: $s, channel: SMS}) { totalCount }
        read: messages(filter: {status: READ}) { totalCount }
      }`,
      { s: gid("Subscriber", ada.publicId) },
      account.key,
    );
    expect(listed.data).toEqual({ queued: { totalCount: 2 }, read: { totalCount: 0 } });
    const badFilter = await gateway.graphql(
      `{ messages(filter: {contactId: "nope"}) { totalCount } }`,
      {},
      account.key,
    );
    expect(badFilter.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(read.data?.subscriber.conversations).toEqual([
      { id: sent.sentMessage?.conversation?.id, channel: "SMS" },
    ]);
  });

  it("names the template a message came from", async () => {
    const account = await gateway.account();
    const ada = await contact(gateway, account.id, {
      email: "ada@example.com",
      phone: "+14155550100",
    });
    const id = await template(gateway, account.id, {
      channel: "sms",
      name: "welcome",
      body: "Welcome {{1}}",
    });
    const sent = await gateway.graphql<{
      sendMessage: { sentMessage: { body: string; template: { id: string; name: string } } };
    }>(
      `mutation($input: SendMessageInput!) { sendMessage(input: $input) {
        ... on SendMessagePayload { sentMessage { body template { id name } } } } }`,
      {
        input: {
          contactId: gid("Subscriber", ada.publicId),
          channel: "SMS",
          templateId: gid("Template", id),
          variables: { "1": "aboard" },
        },
      },
      account.key,
    );
    expect(sent.errors).toBeUndefined();
    expect(sent.data?.sendMessage.sentMessage).toEqual({
      body: "Welcome aboard",
      template: { id: gid("Template", id), name: "welcome" },
    });
  });

  it("answers typed errors and writes nothing", async () => {
    const account = await gateway.account();
    const ada = await contact(gateway, account.id, { email: "ada@example.com" });
    const other = await gateway.account("other");
    const theirs = await contact(gateway, other.id, { email: "eve@example.com" });
    const pending = await template(gateway, account.id, {
      channel: "whatsapp",
      name: "pending",
      body: "Hi {{1}}",
      status: "pending",
    });
    const two = await template(gateway, account.id, {
      channel: "email",
      name: "two",
      body: "{{1}} {{2}}",
      subject: "s",
    });

    const notFound = await send(account.key, {
      contactId: gid("Subscriber", theirs.publicId),
      channel: "SMS",
      body: "x",
    });
    expect(notFound).toMatchObject({ __typename: "NotFoundError", resource: "Subscriber" });

    const noPhone = await send(account.key, {
      contactId: gid("Subscriber", ada.publicId),
      channel: "WHATSAPP",
      templateId: gid("Template", pending),
      variables: { "1": "x" },
    });
    // The missing phone is a field problem, found before the template's state is asked.
    expect(noPhone.__typename).toBe("ValidationError");
    expect(noPhone.issues).toEqual([
      {
        path: ["input", "contactId"],
        message: "the contact has no phone number, which whatsapp needs",
      },
    ]);

    const missing = await send(account.key, {
      contactId: gid("Subscriber", ada.publicId),
      channel: "EMAIL",
      templateId: gid("Template", two),
      variables: { "2": "b" },
    });
    expect(missing.__typename).toBe("ValidationError");
    expect(missing.issues?.map((issue) => issue.path)).toEqual([["input", "variables", "1"]]);

    const withPhone = await contact(gateway, account.id, {
      email: "p@example.com",
      phone: "+14155550109",
    });
    const conflict = await gateway.graphql<Sent>(
      SEND,
      {
        input: {
          contactId: gid("Subscriber", withPhone.publicId),
          channel: "WHATSAPP",
          templateId: gid("Template", pending),
          variables: { "1": "x" },
        },
      },
      account.key,
    );
    expect(conflict.data?.sendMessage.__typename).toBe("ConflictError");
    expect(await count("messages", account.id)).toBe(0);
    expect(await count("conversations", account.id)).toBe(0);

    const reader = await gateway.key(account.id, ["messages:read", "subscribers:read"]);
    const denied = await gateway.graphql(
      SEND,
      {
        input: {
          contactId: gid("Subscriber", ada.publicId),
          channel: "EMAIL",
          body: "x",
          subject: "s",
        },
      },
      reader,
    );
    expect(denied.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(await count("messages", account.id)).toBe(0);
  });
});

const CONVERSATION = `{ id status assignee { id name } snoozedUntil resolvedAt }`;
const mutation = (
  name: string,
) => `mutation($input: ${name[0].toUpperCase()}${name.slice(1)}Input!) {
  ${name}(input: $input) {
    __typename
    ... on ${name[0].toUpperCase()}${name.slice(1)}Payload { conversation ${CONVERSATION} }
    ... on ValidationError { issues { path message } }
    ... on NotFoundError { resource }
  } }`;

interface ConversationAnswer {
  __typename: string;
  conversation?: {
    id: string;
    status: string;
    assignee: { id: string; name: string } | null;
    snoozedUntil: string | null;
  };
  issues?: { path: string[]; message: string }[];
  resource?: string;
}

async function change(key: string, name: string, input: Record<string, unknown>) {
  const answer = await gateway.graphql<Record<string, ConversationAnswer>>(
    mutation(name),
    { input },
    key,
  );
  expect(answer.errors).toBeUndefined();
  return answer.data?.[name] as ConversationAnswer;
}

describe("conversations and agents", () => {
  it("assigns, snoozes (a job wakes it), reopens, sets pending and resolves; bad inputs change nothing", async () => {
    const account = await gateway.account();
    const ada = await contact(gateway, account.id, {
      email: "ada@example.com",
      phone: "+14155550100",
    });
    const sent = await send(account.key, {
      contactId: gid("Subscriber", ada.publicId),
      channel: "SMS",
      body: "hi",
    });
    const id = sent.sentMessage?.conversation?.id as string;
    const made = await gateway.graphql<{
      createAgent: { __typename: string; agent?: { id: string; name: string } };
    }>(
      `mutation { createAgent(input: {name: "Bob", email: "Bob@Example.com"}) {
        __typename ... on CreateAgentPayload { agent { id name } } } }`,
      {},
      account.key,
    );
    const bob = made.data?.createAgent.agent?.id as string;
    const duplicate = await gateway.graphql<{ createAgent: { __typename: string } }>(
      `mutation { createAgent(input: {name: "Bobby", email: "bob@example.COM"}) { __typename } }`,
      {},
      account.key,
    );
    expect(duplicate.data?.createAgent.__typename).toBe("ConflictError");
    const badAgent = await gateway.graphql<{
      createAgent: { __typename: string; issues: { path: string[] }[] };
    }>(
      `mutation { createAgent(input: {name: " ", email: "nope"}) { __typename
        ... on ValidationError { issues { path } } } }`,
      {},
      account.key,
    );
    expect(badAgent.data?.createAgent.issues.map((issue) => issue.path)).toEqual([
      ["input", "name"],
      ["input", "email"],
    ]);
    expect(await count("agents", account.id)).toBe(1);

    const stored = async () =>
      gateway.database.db
        .selectFrom("conversations")
        .selectAll()
        .where("account_id", "=", account.id)
        .executeTakeFirstOrThrow();
    const before = await stored();
    const other = await gateway.account("other");
    const otherAgent = gid("Agent", await agent(gateway, other.id, "Eve", "eve@example.com"));
    expect(
      await change(account.key, "assignConversation", { id, agentId: otherAgent }),
    ).toMatchObject({
      __typename: "NotFoundError",
      resource: "Agent",
    });
    expect(
      await change(account.key, "snoozeConversation", {
        id,
        until: new Date(Date.now() - 60_000).toISOString(),
      }),
    ).toMatchObject({ __typename: "ValidationError", issues: [{ path: ["input", "until"] }] });
    expect(await change(other.key, "resolveConversation", { id })).toMatchObject({
      __typename: "NotFoundError",
      resource: "Conversation",
    });
    expect(
      await change(account.key, "reopenConversation", { id, status: "RESOLVED" }),
    ).toMatchObject({
      __typename: "ValidationError",
    });
    expect(await stored()).toEqual(before);

    const assigned = await change(account.key, "assignConversation", { id, agentId: bob });
    expect(assigned.conversation).toMatchObject({
      status: "OPEN",
      assignee: { id: bob, name: "Bob" },
    });

    const until = new Date(Date.now() + 3_600_000);
    const snoozed = await change(account.key, "snoozeConversation", {
      id,
      until: until.toISOString(),
    });
    expect(snoozed.conversation).toMatchObject({
      status: "SNOOZED",
      snoozedUntil: until.toISOString(),
    });
    const { rows: wake } = await sql<{ run_at: Date }>`select j.run_at
      from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
      where t.identifier = 'wake-conversation'`.execute(gateway.database.db);
    expect(wake.map((row) => row.run_at.toISOString())).toEqual([until.toISOString()]);

    const pending = await change(account.key, "reopenConversation", { id, status: "PENDING" });
    expect(pending.conversation).toMatchObject({ status: "PENDING", snoozedUntil: null });
    const resolved = await change(account.key, "resolveConversation", { id });
    expect(resolved.conversation?.status).toBe("RESOLVED");
    const reopened = await change(account.key, "reopenConversation", { id });
    expect(reopened.conversation).toMatchObject({ status: "OPEN", resolvedAt: null });

    const list = await gateway.graphql<{ conversations: { totalCount: number } }>(
      `query($agent: ID!) { conversations(filter: {assigneeId: $agent, status: OPEN}) { totalCount } }`,
      { agent: bob },
      account.key,
    );
    expect(list.data?.conversations.totalCount).toBe(1);

    const reader = await gateway.key(account.id, ["conversations:read"]);
    for (const [query, input] of [
      [mutation("resolveConversation"), { id }],
      [mutation("assignConversation"), { id, agentId: null }],
    ] as const) {
      const denied = await gateway.graphql(query, { input }, reader);
      expect(denied.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    }
    const noContacts = await gateway.graphql<{ conversations: { edges: unknown[] } }>(
      "{ conversations { edges { node { status contact { email } } } } }",
      {},
      reader,
    );
    expect(noContacts.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const readable = await gateway.graphql<{ conversations: { totalCount: number } }>(
      "{ conversations { totalCount edges { node { status assignee { name } } } } }",
      {},
      reader,
    );
    expect(readable.errors).toBeUndefined();
    expect(readable.data?.conversations.totalCount).toBe(1);

    const removed = await gateway.graphql<{
      deleteAgent: { __typename: string; deletedId?: string };
    }>(
      `mutation($id: ID!) { deleteAgent(input: {id: $id}) { __typename ... on DeleteAgentPayload { deletedId } } }`,
      { id: bob },
      account.key,
    );
    expect(removed.data?.deleteAgent).toEqual({ __typename: "DeleteAgentPayload", deletedId: bob });
    expect((await stored()).assignee_id).toBeNull();
  });

  it("a wake job opens a snoozed conversation whose time has come, and leaves a reopened one", async () => {
    const { wakeConversation } = await import("../../src/domain/conversations/wake.js");
    const account = await gateway.account();
    const ada = await contact(gateway, account.id, {
      email: "ada@example.com",
      phone: "+14155550100",
    });
    await send(account.key, {
      contactId: gid("Subscriber", ada.publicId),
      channel: "SMS",
      body: "hi",
    });
    const row = await gateway.database.db
      .updateTable("conversations")
      .set({ status: "snoozed", snoozed_until: new Date(Date.now() - 1000) })
      .where("account_id", "=", account.id)
      .returning(["id", "public_id"])
      .executeTakeFirstOrThrow();
    await wakeConversation(gateway.database.db, { accountId: account.id, conversationId: row.id });
    const woken = await gateway.database.db
      .selectFrom("conversations")
      .select(["status", "snoozed_until"])
      .where("id", "=", row.id)
      .executeTakeFirstOrThrow();
    expect(woken).toEqual({ status: "open", snoozed_until: null });
  });

  it("reads a page of conversations with contacts, assignees and last messages in the same few statements", async () => {
    const account = await gateway.account();
    const bob = await agent(gateway, account.id, "Bob", "bob@example.com");
    for (let i = 0; i < 10; i++) {
      const person = await contact(gateway, account.id, {
        email: `p${i}@example.com`,
        phone: `+1415555012${i}`,
      });
      for (let m = 0; m < 4; m++)
        await send(account.key, {
          contactId: gid("Subscriber", person.publicId),
          channel: "SMS",
          body: `m${m}`,
        });
    }
    await gateway.database.db
      .updateTable("conversations")
      .set({
        assignee_id: (eb) => eb.selectFrom("agents").select("id").where("public_id", "=", bob),
      })
      .where("account_id", "=", account.id)
      .execute();
    const PAGE = `query($first: Int!) { conversations(first: $first) { totalCount edges { node {
      id status channel contact { email } assignee { name }
      messages(last: 3) { totalCount edges { node { body status contact { email } } } } } } } }`;
    const statementsFor = async (first: number) => {
      gateway.database.statements.reset();
      const page = await gateway.graphql<{
        conversations: {
          edges: {
            node: {
              assignee: { name: string };
              messages: { totalCount: number; edges: { node: { body: string } }[] };
            };
          }[];
        };
      }>(PAGE, { first }, account.key);
      expect(page.errors).toBeUndefined();
      const edges = page.data?.conversations.edges ?? [];
      expect(edges).toHaveLength(first);
      for (const { node } of edges) {
        expect(node.assignee.name).toBe("Bob");
        expect(node.messages.totalCount).toBe(4);
        expect(node.messages.edges.map((edge) => edge.node.body)).toEqual(["m1", "m2", "m3"]);
      }
      return gateway.database.statements.count();
    };
    const few = await statementsFor(2);
    const many = await statementsFor(10);
    expect(many).toBe(few);
    expect(many).toBeLessThanOrEqual(7);
  });
});
