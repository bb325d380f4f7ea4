import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { globalIdOf } from "../../../src/global-ids.js";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { graphqlList, mailtrain } from "../mailtrain/client.js";
import { type Botbat, botbat } from "./contacts-client.js";

// A contact is the product's subscriber: one created here is GraphQL's Subscriber (node and
// subscribers) and mailtrain's; one created by GraphQL or mailtrain is a contact here. Writes
// through botbat emit their webhook events in the write's transaction.

let gateway: TestGateway;
let accountId: string;
let key: string;
let api: Botbat;

type Contact = {
  id: string;
  email: string;
  first_name: string | null;
  tags: string[];
  properties: Record<string, unknown>;
};

beforeAll(async () => {
  gateway = await startTestGateway();
  const account = await gateway.account();
  accountId = account.id;
  key = account.key;
  api = botbat(gateway, key);
});
afterAll(async () => {
  await gateway?.close();
});

describe("contacts across surfaces", () => {
  it("a contact created here is GraphQL's subscriber, by node(id:) and in subscribers, with its tags and typed values", async () => {
    const created = await api.post<Contact>("/v1/contacts", {
      name: "Linus Torvalds",
      email: "linus@example.com",
      phone: "+358401234567",
      tags: ["kernel"],
      properties: { commits: 1000, channels: ["lkml"] },
    });
    expect(created.status).toBe(201);
    const node = await gateway.graphql<{
      node: {
        email: string;
        firstName: string;
        lastName: string;
        phone: string;
        sandbox: boolean;
        tags: { name: string }[];
        customValues: { field: { name: string }; number?: number; text?: string }[];
      };
    }>(
      `query($id: ID!) { node(id: $id) { ... on Subscriber {
        email firstName lastName phone sandbox tags { name }
        customValues { field { name } ... on NumberCustomValue { number: value } ... on StringCustomValue { text: value } }
      } } }`,
      { id: globalIdOf("Subscriber", created.body.id) },
      key,
    );
    expect(node.errors).toBeUndefined();
    expect(node.data?.node).toEqual({
      email: "linus@example.com",
      firstName: "Linus",
      lastName: "Torvalds",
      phone: "+358401234567",
      sandbox: false,
      tags: [{ name: "kernel" }],
      customValues: [
        { field: { name: "commits" }, number: 1000 },
        { field: { name: "channels" }, text: '["lkml"]' },
      ],
    });
    const page = await gateway.graphql<{ subscribers: { edges: { node: { email: string } }[] } }>(
      "{ subscribers(first: 50) { edges { node { email } } } }",
      {},
      key,
    );
    expect(page.data?.subscribers.edges.map((edge) => edge.node.email)).toContain(
      "linus@example.com",
    );
  });

  it("a subscriber created by GraphQL is a contact here: get, list and search", async () => {
    const created = await gateway.graphql<{ createSubscriber: { subscriber: { id: string } } }>(
      `mutation { createSubscriber(input: { email: "ada@example.com", firstName: "Ada", lastName: "Lovelace" }) {
        ... on CreateSubscriberPayload { subscriber { id } } } }`,
      {},
      key,
    );
    expect(created.errors).toBeUndefined();
    const globalId = created.data?.createSubscriber.subscriber.id as string;
    const publicId = Buffer.from(globalId, "base64").toString().split(":")[1];
    const read = await api.get<Contact>(`/v1/contacts/${publicId}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      email: "ada@example.com",
      name: "Ada Lovelace",
      tags: [],
      properties: {},
    });
    const found = await api.get<{ data: Contact[] }>("/v1/contacts/search?q=ada%20lovelase");
    expect(found.body.data[0].email).toBe("ada@example.com");
  });

  it("mailtrain's subscribers are contacts of the list's segment, and a contact created here subscribes there", async () => {
    const { cid } = await graphqlList(gateway, key, "Newsletter");
    const mt = mailtrain(gateway, key);
    expect(
      (await mt.post(`/api/subscribe/${cid}`, { EMAIL: "mt@example.com", FIRST_NAME: "Mail" }))
        .status,
    ).toBe(200);
    const segment = await api.get<{ data: Contact[]; total: number }>(
      `/v1/contacts?segment=${cid}`,
    );
    expect(segment.body.data.map((contact) => contact.email)).toEqual(["mt@example.com"]);

    // The same person, by email, from both sides: mailtrain lists the botbat contact's lists.
    expect((await mt.post(`/api/subscribe/${cid}`, { EMAIL: "LINUS@example.com" })).status).toBe(
      200,
    );
    const lists = await mt.get("/api/lists/linus@example.com");
    expect(lists.body.data.map((list: { name: string }) => list.name)).toEqual(["Newsletter"]);
    const after = await api.get<{ data: Contact[] }>(`/v1/contacts?segment=${cid}`);
    expect(after.body.data.map((contact) => contact.email).sort()).toEqual([
      "linus@example.com",
      "mt@example.com",
    ]);
  });
});

describe("webhook events of botbat's writes", () => {
  async function events() {
    const { rows } = await sql<{ type: string; data: { contact: { id: string; email: string } } }>`
      select type, data from webhook_events where account_id = ${accountId} order by id`.execute(
      gateway.database.db,
    );
    return rows;
  }
  async function deliveryJobs() {
    const { rows } = await sql<{ count: string }>`
      select count(*) from graphile_worker._private_jobs j
      join graphile_worker._private_tasks t on t.id = j.task_id
      where t.identifier = 'deliver-webhook'`.execute(gateway.database.db);
    return Number(rows[0].count);
  }

  it("emits contact.created, contact.updated and contact.deleted once per change, each with its delivery job; a refused write emits nothing", async () => {
    await gateway.database.db
      .insertInto("webhooks")
      .values({
        account_id: accountId,
        url: "https://hooks.example.com/in",
        events: ["contact.created", "contact.updated", "contact.deleted"],
        secret: "s",
      })
      .execute();
    const created = await api.post<Contact>("/v1/contacts", {
      email: "evented@example.com",
      tags: ["t"],
    });
    expect(created.status).toBe(201);
    const updated = await api.put<Contact>(`/v1/contacts/${created.body.id}`, {
      email: "evented@example.com",
      name: "Even Ted",
    });
    expect(updated.status).toBe(200);
    // Refused: a duplicate email and a bad property type. Neither leaves an event.
    expect((await api.post("/v1/contacts", { email: "EVENTED@example.com" })).status).toBe(409);
    expect(
      (
        await api.put(`/v1/contacts/${created.body.id}`, {
          email: "evented@example.com",
          phone: "12",
        })
      ).status,
    ).toBe(422);
    expect((await api.del(`/v1/contacts/${created.body.id}`)).status).toBe(204);
    expect((await api.del(`/v1/contacts/${created.body.id}`)).status).toBe(404);

    const seen = await events();
    expect(
      seen.map((event) => [event.type, event.data.contact.id, event.data.contact.email]),
    ).toEqual([
      ["contact.created", created.body.id, "evented@example.com"],
      ["contact.updated", created.body.id, "evented@example.com"],
      ["contact.deleted", created.body.id, "evented@example.com"],
    ]);
    expect(await deliveryJobs()).toBe(3);
  });
});
