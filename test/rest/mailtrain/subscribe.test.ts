import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { envelope, graphqlList, type MailtrainClient, mailtrain } from "./client.js";

// Subscribe, unsubscribe, delete and change of address, as Mailtrain clients see them, and
// the same subscribers seen through GraphQL.

let gateway: TestGateway;
let api: MailtrainClient;
let key: string;
let cid: string;
let listGlobalId: string;

interface GraphQLSubscriber {
  id: string;
  email: string;
  firstName: string | null;
  lastName: string | null;
  timezone: string | null;
  subscriptions: { status: string; source: string; list: { id: string; name: string } }[];
}

async function graphqlSubscriber(email: string): Promise<GraphQLSubscriber | undefined> {
  const response = await gateway.graphql<{
    subscribers: { edges: { node: GraphQLSubscriber }[] };
  }>(
    `query($search: String) { subscribers(first: 10, filter: { search: $search }) { edges { node {
      id email firstName lastName timezone subscriptions { status source list { id name } }
    } } } }`,
    { search: email },
    key,
  );
  expect(response.errors).toBeUndefined();
  return response.data?.subscribers.edges
    .map((edge) => edge.node)
    .find((node) => node.email.toLowerCase() === email.toLowerCase());
}

async function statusOf(email: string): Promise<number | undefined> {
  const reply = await api.get(`/api/subscriptions/${cid}`);
  return reply.body.data.subscriptions.find(
    (row: { email: string }) => row.email.toLowerCase() === email.toLowerCase(),
  )?.status;
}

beforeAll(async () => {
  gateway = await startTestGateway();
  key = (await gateway.account("acme")).key;
  api = mailtrain(gateway, key);
  ({ cid, globalId: listGlobalId } = await graphqlList(gateway, key, "Newsletter"));
});
afterAll(() => gateway.close());

describe("POST /api/subscribe/:listId", () => {
  it("subscribes a new address: the subscriber GraphQL returns, on the list GraphQL made", async () => {
    const reply = await api.post(`/api/subscribe/${cid}`, {
      EMAIL: "Ada@Example.com",
      FIRST_NAME: "Ada",
      LAST_NAME: "Lovelace",
      TIMEZONE: "Europe/Tallinn",
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ data: { id: expect.stringMatching(/^[0-9a-f]{32}$/) } });

    const subscriber = await graphqlSubscriber("ada@example.com");
    expect(subscriber).toMatchObject({
      email: "Ada@Example.com",
      firstName: "Ada",
      lastName: "Lovelace",
      // Stored as IANA spells it; mailtrain's `tz` shows it lower-cased.
      timezone: "Europe/Tallinn",
      subscriptions: [{ status: "SUBSCRIBED", list: { id: listGlobalId, name: "Newsletter" } }],
    });
    const listed = await api.get(`/api/subscriptions/${cid}`);
    expect(listed.body.data.subscriptions[0]).toMatchObject({
      cid: reply.body.data.id,
      email: "Ada@Example.com",
      tz: "europe/tallinn",
      status: 1,
    });
  });

  it("takes the list cid in any case", async () => {
    const reply = await api.post(`/api/subscribe/${cid.toUpperCase()}`, {
      EMAIL: "case@example.com",
    });
    expect(reply.status).toBe(200);
  });

  it("upserts by email in any case: the row keeps its spelling, only sent fields change", async () => {
    const first = await api.post(`/api/subscribe/${cid}`, {
      EMAIL: "grace@example.com",
      FIRST_NAME: "Grace",
      LAST_NAME: "Hopper",
    });
    const again = await api.post(`/api/subscribe/${cid}`, {
      EMAIL: "GRACE@EXAMPLE.COM",
      LAST_NAME: "Murray Hopper",
      FIRST_NAME: "",
    });
    expect(again.body.data.id).toBe(first.body.data.id);
    expect(await graphqlSubscriber("grace@example.com")).toMatchObject({
      email: "grace@example.com",
      firstName: "Grace",
      lastName: "Murray Hopper",
      timezone: null,
    });
  });

  it("keeps an unsubscribed address unsubscribed unless FORCE_SUBSCRIBE says yes, true or 1", async () => {
    await api.post(`/api/subscribe/${cid}`, { EMAIL: "gone@example.com" });
    await api.post(`/api/unsubscribe/${cid}`, { EMAIL: "gone@example.com" });
    await api.post(`/api/subscribe/${cid}`, { EMAIL: "gone@example.com", FIRST_NAME: "Gone" });
    expect(await statusOf("gone@example.com")).toBe(2);
    await api.post(`/api/subscribe/${cid}`, {
      EMAIL: "gone@example.com",
      FORCE_SUBSCRIBE: "maybe",
    });
    expect(await statusOf("gone@example.com")).toBe(2);
    for (const force of ["YES", "true", "1"]) {
      await api.post(`/api/unsubscribe/${cid}`, { EMAIL: "gone@example.com" });
      await api.post(`/api/subscribe/${cid}`, {
        EMAIL: "gone@example.com",
        FORCE_SUBSCRIBE: force,
      });
      expect(await statusOf("gone@example.com")).toBe(1);
    }
    expect((await graphqlSubscriber("gone@example.com"))?.firstName).toBe("Gone");
  });

  it("adds an address GraphQL made to the list, keeping it the same subscriber", async () => {
    const made = await gateway.graphql<{ createSubscriber: { subscriber: { id: string } } }>(
      `mutation { createSubscriber(input: { email: "made@graphql.example", firstName: "Made" }) {
        ... on CreateSubscriberPayload { subscriber { id } } } }`,
      {},
      key,
    );
    const id = made.data?.createSubscriber.subscriber.id;
    await api.post(`/api/subscribe/${cid}`, { EMAIL: "made@graphql.example" });
    const subscriber = await graphqlSubscriber("made@graphql.example");
    expect(subscriber?.id).toBe(id);
    expect(subscriber?.firstName).toBe("Made");
    expect(subscriber?.subscriptions).toHaveLength(1);
  });

  it("answers 400 for a missing or invalid EMAIL and writes nothing", async () => {
    const before = (await api.get(`/api/subscriptions/${cid}`)).body.data.total;
    expect(await api.post(`/api/subscribe/${cid}`, { FIRST_NAME: "Nobody" })).toMatchObject({
      status: 400,
      body: envelope("Missing EMAIL"),
    });
    expect(await api.post(`/api/subscribe/${cid}`, { EMAIL: "  " })).toMatchObject({
      status: 400,
      body: envelope("Missing EMAIL"),
    });
    expect(await api.post(`/api/subscribe/${cid}`, { EMAIL: "not-an-email" })).toMatchObject({
      status: 400,
      body: envelope('Invalid email address "not-an-email".'),
    });
    expect((await api.get(`/api/subscriptions/${cid}`)).body.data.total).toBe(before);
    expect(await graphqlSubscriber("not-an-email")).toBeUndefined();
  });

  it("answers 404 for an unknown list, a malformed cid and another account's list", async () => {
    const other = await gateway.account("other");
    const theirs = (await graphqlList(gateway, other.key, "Theirs")).cid;
    for (const list of ["0".repeat(32), "B16uVTdW", theirs]) {
      expect(await api.post(`/api/subscribe/${list}`, { EMAIL: "x@example.com" })).toMatchObject({
        status: 404,
        body: envelope("Selected listId not found"),
      });
    }
    expect(await graphqlSubscriber("x@example.com")).toBeUndefined();
  });
});

describe("POST /api/unsubscribe/:listId", () => {
  it("marks the subscription unsubscribed and answers its numeric id, again too", async () => {
    await api.post(`/api/subscribe/${cid}`, { EMAIL: "leaving@example.com" });
    const numericId = (await api.get(`/api/subscriptions/${cid}`)).body.data.subscriptions.find(
      (row: { email: string }) => row.email === "leaving@example.com",
    ).id;
    const reply = await api.post(`/api/unsubscribe/${cid}`, { EMAIL: "LEAVING@example.com" });
    expect(reply).toMatchObject({
      status: 200,
      body: { data: { id: numericId, unsubscribed: true } },
    });
    expect(typeof reply.body.data.id).toBe("number");
    const again = await api.post(`/api/unsubscribe/${cid}`, { EMAIL: "leaving@example.com" });
    expect(again.body).toEqual({ data: { id: numericId, unsubscribed: true } });
    expect((await graphqlSubscriber("leaving@example.com"))?.subscriptions[0]?.status).toBe(
      "UNSUBSCRIBED",
    );
  });

  it("answers 400 without EMAIL and 404 for an address or list it does not know", async () => {
    expect(await api.post(`/api/unsubscribe/${cid}`, {})).toMatchObject({
      status: 400,
      body: envelope("Missing EMAIL"),
    });
    expect(await api.post(`/api/unsubscribe/${cid}`, { EMAIL: "who@example.com" })).toMatchObject({
      status: 404,
      body: envelope("Subscription with given email not found"),
    });
    expect(
      await api.post(`/api/unsubscribe/${"f".repeat(32)}`, { EMAIL: "ada@example.com" }),
    ).toMatchObject({ status: 404, body: envelope("Selected listId not found") });
  });
});

describe("POST /api/delete/:listId", () => {
  it("deletes the subscription; the subscriber stays", async () => {
    await api.post(`/api/subscribe/${cid}`, { EMAIL: "deleted@example.com" });
    const reply = await api.post(`/api/delete/${cid}`, { EMAIL: "Deleted@Example.com" });
    expect(reply).toMatchObject({ status: 200, body: { data: { deleted: true } } });
    expect(await statusOf("deleted@example.com")).toBeUndefined();
    expect((await graphqlSubscriber("deleted@example.com"))?.subscriptions).toEqual([]);
    expect(await api.post(`/api/delete/${cid}`, { EMAIL: "deleted@example.com" })).toMatchObject({
      status: 404,
      body: envelope("Subscription not found"),
    });
  });

  it("answers 400 without EMAIL and 404 for an unknown list", async () => {
    expect(await api.post(`/api/delete/${cid}`, {})).toMatchObject({
      status: 400,
      body: envelope("Missing EMAIL"),
    });
    expect(await api.post(`/api/delete/nope`, { EMAIL: "ada@example.com" })).toMatchObject({
      status: 404,
      body: envelope("Selected listId not found"),
    });
  });
});

describe("POST /api/changeemail/:listId", () => {
  it("changes the address and answers the numeric subscription id", async () => {
    await api.post(`/api/subscribe/${cid}`, { EMAIL: "old@example.com", FIRST_NAME: "Moving" });
    const reply = await api.post(`/api/changeemail/${cid}`, {
      EMAILOLD: "OLD@example.com",
      EMAILNEW: "new@example.com",
    });
    expect(reply).toMatchObject({
      status: 200,
      body: { data: { id: expect.any(Number), changedemail: true } },
    });
    expect(await graphqlSubscriber("old@example.com")).toBeUndefined();
    expect((await graphqlSubscriber("new@example.com"))?.firstName).toBe("Moving");
  });

  it("refuses missing arguments, unknown old addresses, blacklisted, invalid and taken new ones", async () => {
    const change = (fields: Record<string, string>) => api.post(`/api/changeemail/${cid}`, fields);
    expect(await change({ EMAILNEW: "a@example.com" })).toMatchObject({
      status: 400,
      body: envelope("EMAILOLD argument is required"),
    });
    expect(await change({ EMAILOLD: "new@example.com" })).toMatchObject({
      status: 400,
      body: envelope("EMAILNEW argument is required"),
    });
    expect(
      await change({ EMAILOLD: "nobody@example.com", EMAILNEW: "b@example.com" }),
    ).toMatchObject({
      status: 404,
      body: envelope("Subscription with given old email not found"),
    });
    await api.post("/api/blacklist/add", { EMAIL: "spam@example.com" });
    expect(
      await change({ EMAILOLD: "new@example.com", EMAILNEW: "SPAM@example.com" }),
    ).toMatchObject({
      status: 400,
      body: envelope("New email is blacklisted"),
    });
    expect(await change({ EMAILOLD: "new@example.com", EMAILNEW: "broken" })).toMatchObject({
      status: 400,
      body: envelope('Invalid email address "broken".'),
    });
    expect(
      await change({ EMAILOLD: "new@example.com", EMAILNEW: "ada@example.com" }),
    ).toMatchObject({
      status: 409,
      body: envelope("Email address already registered"),
    });
    expect(
      await api.post(`/api/changeemail/${"a".repeat(32)}`, {
        EMAILOLD: "new@example.com",
        EMAILNEW: "c@example.com",
      }),
    ).toMatchObject({ status: 404, body: envelope("Selected listId not found") });
    // Nothing changed.
    expect((await graphqlSubscriber("new@example.com"))?.firstName).toBe("Moving");
  });
});

describe("GET /api/subscriptions/:listId", () => {
  let listCid: string;
  beforeAll(async () => {
    listCid = (await graphqlList(gateway, key, "Paged")).cid;
    for (const email of ["b@example.com", "D@example.com", "a@example.com", "c@example.com"]) {
      await api.post(`/api/subscribe/${listCid}`, { EMAIL: email, FIRST_NAME: email[0] as string });
    }
    await api.post(`/api/unsubscribe/${listCid}`, { EMAIL: "c@example.com" });
  });

  it("answers every subscription by email descending, with Mailtrain's camelCased keys", async () => {
    const reply = await api.get(`/api/subscriptions/${listCid}`);
    expect(reply.status).toBe(200);
    expect(reply.type).toContain("application/json");
    const { total, start, limit, subscriptions } = reply.body.data;
    expect({ total, start, limit }).toEqual({ total: 4, start: 0, limit: 10000 });
    expect(subscriptions.map((row: { email: string }) => row.email)).toEqual([
      "D@example.com",
      "c@example.com",
      "b@example.com",
      "a@example.com",
    ]);
    expect(Object.keys(subscriptions[0])).toEqual([
      "id",
      "cid",
      "email",
      "optInIp",
      "optInCountry",
      "tz",
      "imported",
      "status",
      "isTest",
      "statusChange",
      "latestOpen",
      "latestClick",
      "created",
      "firstName",
      "lastName",
    ]);
    expect(subscriptions[1]).toMatchObject({
      id: expect.any(Number),
      cid: expect.stringMatching(/^[0-9a-f]{32}$/),
      status: 2,
      isTest: 0,
      tz: null,
      firstName: "c",
      lastName: null,
      statusChange: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      created: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
  });

  it("pages with start and limit; limit=0 is no limit", async () => {
    const page = await api.get(`/api/subscriptions/${listCid}`, { start: "1", limit: "2" });
    expect(page.body.data).toMatchObject({ total: 4, start: 1, limit: 2 });
    expect(page.body.data.subscriptions.map((row: { email: string }) => row.email)).toEqual([
      "c@example.com",
      "b@example.com",
    ]);
    const all = await api.get(`/api/subscriptions/${listCid}`, { limit: "0" });
    expect(all.body.data).toMatchObject({ total: 4, start: 0, limit: 0 });
    expect(all.body.data.subscriptions).toHaveLength(4);
    const past = await api.get(`/api/subscriptions/${listCid}`, { start: "10" });
    expect(past.body.data).toMatchObject({ total: 4, subscriptions: [] });
  });

  it("refuses a start or limit that is no whole number, and an unknown list", async () => {
    const queries: Record<string, string>[] = [{ start: "-1" }, { limit: "ten" }, { limit: "1.5" }];
    for (const query of queries) {
      const reply = await api.get(`/api/subscriptions/${listCid}`, query);
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ error: expect.stringMatching(/whole number/), data: [] });
    }
    expect(await api.get(`/api/subscriptions/${"0".repeat(32)}`)).toMatchObject({
      status: 404,
      body: envelope("Selected listId not found"),
    });
  });
});

describe("GET /api/subscriptions/:listId of a long list", () => {
  it("streams every row (limit=0) in order, without a Content-Length", async () => {
    const { cid: longCid } = await graphqlList(gateway, key, "Long");
    const db = gateway.database.db;
    const list = await db
      .selectFrom("lists")
      .select(["id", "account_id"])
      .where("public_id", "=", longCid)
      .executeTakeFirstOrThrow();
    await sql`insert into subscribers (account_id, email)
      select ${list.account_id}, 'long-' || lpad(n::text, 5, '0') || '@example.com'
      from generate_series(1, 12000) as n`.execute(db);
    await sql`insert into subscriptions (account_id, list_id, subscriber_id)
      select account_id, ${list.id}, id from subscribers
      where account_id = ${list.account_id} and email like 'long-%'`.execute(db);

    const response = await fetch(
      `${gateway.url}/api/subscriptions/${longCid}?access_token=${key}&limit=0`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-length")).toBeNull();
    const body = (await response.json()) as {
      data: { total: number; subscriptions: { email: string }[] };
    };
    expect(body.data.total).toBe(12000);
    expect(body.data.subscriptions).toHaveLength(12000);
    expect(body.data.subscriptions[0]?.email).toBe("long-12000@example.com");
    expect(body.data.subscriptions[11999]?.email).toBe("long-00001@example.com");
    // The default limit is Mailtrain's 10000.
    const page = await api.get(`/api/subscriptions/${longCid}`);
    expect(page.body.data.subscriptions).toHaveLength(10000);
  });
});
