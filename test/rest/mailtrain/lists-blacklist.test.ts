import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { envelope, graphqlList, type MailtrainClient, mailtrain } from "./client.js";

// GET /api/lists, /api/list/:id, /api/lists/:email and the blacklist endpoints.

let gateway: TestGateway;
let api: MailtrainClient;
let key: string;

beforeAll(async () => {
  gateway = await startTestGateway();
  key = (await gateway.account("acme")).key;
  api = mailtrain(gateway, key);
});
afterAll(() => gateway.close());

describe("lists", () => {
  let zebra: string;
  let alpha: string;
  beforeAll(async () => {
    // Made before any list, to show an account without lists gets an answer.
    zebra = (await graphqlList(gateway, key, "Zebra")).cid;
    alpha = (await graphqlList(gateway, key, "alpha")).cid;
    for (const email of ["one@example.com", "two@example.com", "three@example.com"])
      await api.post(`/api/subscribe/${alpha}`, { EMAIL: email });
    await api.post(`/api/unsubscribe/${alpha}`, { EMAIL: "three@example.com" });
    await api.post(`/api/subscribe/${zebra}`, { EMAIL: "three@example.com" });
  });

  it("GET /api/lists answers every list by name with its subscribed count", async () => {
    const reply = await api.get("/api/lists");
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      data: [
        { id: expect.any(Number), name: "alpha", subscribers: 2, segments: [] },
        { id: expect.any(Number), name: "Zebra", subscribers: 1, segments: [] },
      ],
    });
  });

  it("GET /api/lists answers an empty list for an account without lists", async () => {
    const other = await gateway.account("empty");
    expect(await mailtrain(gateway, other.key).get("/api/lists")).toMatchObject({
      status: 200,
      body: { data: [] },
    });
  });

  it("GET /api/list/:id answers the list a GraphQL client made, by its numeric id", async () => {
    const { body } = await api.get("/api/lists");
    const id = body.data[0].id;
    const reply = await api.get(`/api/list/${id}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      data: {
        id,
        cid: alpha,
        defaultForm: null,
        name: "alpha",
        description: null,
        subscribers: 2,
        created: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
        publicSubscribe: 1,
        unsubscriptionMode: 0,
        listunsubscribeDisabled: 0,
        segments: [],
      },
    });
  });

  it("GET /api/list/:id answers data false for an unknown or another account's list", async () => {
    const other = await gateway.account("other");
    await graphqlList(gateway, other.key, "Theirs");
    const theirs = (await mailtrain(gateway, other.key).get("/api/lists")).body.data[0].id;
    for (const id of ["999999", String(theirs), "99999999999999999999"]) {
      expect(await api.get(`/api/list/${id}`)).toMatchObject({
        status: 200,
        body: { data: false },
      });
    }
  });

  it("GET /api/list/:id refuses an id that is no number", async () => {
    for (const id of ["abc", "1.5", alpha]) {
      expect(await api.get(`/api/list/${id}`)).toMatchObject({
        status: 400,
        body: envelope("Missing List ID"),
      });
    }
  });

  it("GET /api/lists/:email answers every list holding the address, in any status", async () => {
    const reply = await api.get("/api/lists/THREE@example.com");
    expect(reply.status).toBe(200);
    expect(reply.body.data.map((list: { name: string }) => list.name)).toEqual(["Zebra", "alpha"]);
    expect(Object.keys(reply.body.data[0])).toEqual(["id", "name"]);
    expect((await api.get("/api/lists/nobody@example.com")).body).toEqual({ data: [] });
  });
});

describe("blacklist", () => {
  it("adds addresses (twice is fine, nothing is checked) and lists them ascending", async () => {
    for (const email of ["carol@gmail.com", "Bob@Example.com", "alice@gmail.com", "not an email"]) {
      expect(await api.post("/api/blacklist/add", { EMAIL: email })).toMatchObject({
        status: 200,
        body: { data: [] },
      });
    }
    expect((await api.post("/api/blacklist/add", { EMAIL: "bob@example.com" })).body).toEqual({
      data: [],
    });
    const reply = await api.get("/api/blacklist/get");
    expect(reply.body).toEqual({
      data: {
        total: 4,
        start: 0,
        limit: 10000,
        emails: ["alice@gmail.com", "Bob@Example.com", "carol@gmail.com", "not an email"],
      },
    });
  });

  it("filters by any part of the address, in any case, and pages", async () => {
    const gmail = await api.get("/api/blacklist/get", { search: "GMAIL" });
    expect(gmail.body.data).toEqual({
      total: 2,
      start: 0,
      limit: 10000,
      emails: ["alice@gmail.com", "carol@gmail.com"],
    });
    const page = await api.get("/api/blacklist/get", { start: "1", limit: "2" });
    expect(page.body.data).toEqual({
      total: 4,
      start: 1,
      limit: 2,
      emails: ["Bob@Example.com", "carol@gmail.com"],
    });
    expect((await api.get("/api/blacklist/get", { limit: "0" })).body.data.emails).toHaveLength(4);
    expect((await api.get("/api/blacklist/get", { start: "x" })).status).toBe(400);
  });

  it("is the blocklist GraphQL shows", async () => {
    const response = await gateway.graphql<{ blocklist: { edges: { node: { email: string } }[] } }>(
      "{ blocklist(first: 10) { edges { node { email } } } }",
      {},
      key,
    );
    expect(response.data?.blocklist.edges.map((edge) => edge.node.email).sort()).toEqual([
      "Bob@Example.com",
      "alice@gmail.com",
      "carol@gmail.com",
      "not an email",
    ]);
  });

  it("deletes an address in any case; one not listed is fine too", async () => {
    expect(await api.post("/api/blacklist/delete", { EMAIL: "BOB@example.com" })).toMatchObject({
      status: 200,
      body: { data: [] },
    });
    expect(await api.post("/api/blacklist/delete", { EMAIL: "never@example.com" })).toMatchObject({
      status: 200,
      body: { data: [] },
    });
    expect((await api.get("/api/blacklist/get")).body.data.total).toBe(3);
  });

  it("refuses add and delete without EMAIL, changing nothing", async () => {
    for (const path of ["/api/blacklist/add", "/api/blacklist/delete"]) {
      expect(await api.post(path, { email: "" })).toMatchObject({
        status: 400,
        body: envelope("EMAIL argument are required"),
      });
    }
    expect((await api.get("/api/blacklist/get")).body.data.total).toBe(3);
  });

  it("keeps a blacklisted address subscribable: it is kept, never mailed", async () => {
    const cid = (await graphqlList(gateway, key, "Kept")).cid;
    expect(await api.post(`/api/subscribe/${cid}`, { EMAIL: "carol@gmail.com" })).toMatchObject({
      status: 200,
    });
    expect((await api.get(`/api/subscriptions/${cid}`)).body.data.total).toBe(1);
  });
});
