import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueKey } from "../../../src/domain/accounts/keys.js";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { envelope, graphqlList, type MailtrainClient, mailtrain, urlOf } from "./client.js";

// The issue's bad-input list over every endpoint: tokens (missing, unknown, revoked, another
// account's, rotated), bodies (JSON, forms, multipart, broken JSON, over 2 MB, lists where
// text belongs). Always the JSON envelope with a 4xx, and nothing changed.

let gateway: TestGateway;
let api: MailtrainClient;
let account: { id: string; key: string };
let cid: string;

type Endpoint = { method: "GET" | "POST"; path: () => string; body?: Record<string, string> };

const ENDPOINTS: Endpoint[] = [
  { method: "GET", path: () => `/api/subscriptions/${cid}` },
  { method: "POST", path: () => `/api/subscribe/${cid}`, body: { EMAIL: "new@example.com" } },
  { method: "POST", path: () => `/api/unsubscribe/${cid}`, body: { EMAIL: "kept@example.com" } },
  { method: "POST", path: () => `/api/delete/${cid}`, body: { EMAIL: "kept@example.com" } },
  {
    method: "POST",
    path: () => `/api/changeemail/${cid}`,
    body: { EMAILOLD: "kept@example.com", EMAILNEW: "moved@example.com" },
  },
  { method: "POST", path: () => `/api/field/${cid}`, body: { NAME: "Extra", TYPE: "text" } },
  { method: "GET", path: () => "/api/blacklist/get" },
  { method: "POST", path: () => "/api/blacklist/add", body: { EMAIL: "blocked@example.com" } },
  { method: "POST", path: () => "/api/blacklist/delete", body: { EMAIL: "listed@example.com" } },
  { method: "GET", path: () => "/api/lists/kept@example.com" },
  { method: "GET", path: () => "/api/lists" },
  { method: "GET", path: () => "/api/list/1" },
];
const POSTS = ENDPOINTS.filter((endpoint) => endpoint.method === "POST");

function call(client: MailtrainClient, endpoint: Endpoint) {
  return endpoint.method === "GET"
    ? client.get(endpoint.path())
    : client.post(endpoint.path(), endpoint.body);
}

/** Everything a request could have changed, to compare before and after. */
async function state() {
  const db = gateway.database.db;
  const count = async (table: "subscribers" | "subscriptions" | "custom_fields" | "blocklist") =>
    (
      await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow()
    ).n;
  return {
    subscribers: await db
      .selectFrom("subscribers")
      .select(["email", "first_name"])
      .orderBy("id")
      .execute(),
    subscriptions: await db.selectFrom("subscriptions").select(["status"]).orderBy("id").execute(),
    fields: await count("custom_fields"),
    blocklist: await db.selectFrom("blocklist").select("email").orderBy("id").execute(),
  };
}

beforeAll(async () => {
  gateway = await startTestGateway();
  account = await gateway.account("acme");
  api = mailtrain(gateway, account.key);
  cid = (await graphqlList(gateway, account.key, "Main")).cid;
  await api.post(`/api/subscribe/${cid}`, { EMAIL: "kept@example.com", FIRST_NAME: "Kept" });
  await api.post("/api/blacklist/add", { EMAIL: "listed@example.com" });
});
afterAll(() => gateway.close());

describe("access_token", () => {
  it("refuses every endpoint without a token, or with an empty one", async () => {
    const before = await state();
    for (const token of [null, "", "   "]) {
      for (const endpoint of ENDPOINTS) {
        const reply = await call(mailtrain(gateway, token), endpoint);
        expect(reply, `${endpoint.method} ${endpoint.path()}`).toMatchObject({
          status: 403,
          body: envelope("Missing access_token"),
        });
      }
    }
    expect(await state()).toEqual(before);
  });

  it("refuses an unknown, malformed or revoked token", async () => {
    const revoked = (await issueKey(gateway.database.db, account.id, { label: "old" })).secret;
    await gateway.database.db
      .updateTable("api_keys")
      .set({ revoked_at: new Date() })
      .where("label", "=", "old")
      .execute();
    const before = await state();
    for (const token of ["0".repeat(40), "not-a-token", revoked]) {
      for (const endpoint of ENDPOINTS) {
        expect(await call(mailtrain(gateway, token), endpoint)).toMatchObject({
          status: 403,
          body: envelope("Invalid or expired access_token"),
        });
      }
    }
    expect(await state()).toEqual(before);
  });

  it("matches the token in any case", async () => {
    const reply = await mailtrain(gateway, account.key.toUpperCase()).get("/api/lists");
    expect(reply.status).toBe(200);
  });

  it("rotates: a key issued with the label mailtrain revokes the previous one", async () => {
    const first = (await issueKey(gateway.database.db, account.id, { label: "mailtrain" })).secret;
    expect((await mailtrain(gateway, first).get("/api/lists")).status).toBe(200);
    const second = (await issueKey(gateway.database.db, account.id, { label: "mailtrain" })).secret;
    expect(await mailtrain(gateway, first).get("/api/lists")).toMatchObject({
      status: 403,
      body: envelope("Invalid or expired access_token"),
    });
    expect((await mailtrain(gateway, second).get("/api/lists")).status).toBe(200);
    // Other keys of the account are not touched by the rotation.
    expect((await api.get("/api/lists")).status).toBe(200);
  });

  it("keeps another account's token to its own account", async () => {
    const other = await gateway.account("other");
    const theirs = mailtrain(gateway, other.key);
    const before = await state();
    for (const endpoint of ENDPOINTS.filter((e) => e.path().includes(cid))) {
      expect(await call(theirs, endpoint)).toMatchObject({
        status: 404,
        body: envelope("Selected listId not found"),
      });
    }
    const ownId = (await api.get("/api/lists")).body.data[0].id;
    expect((await theirs.get(`/api/list/${ownId}`)).body).toEqual({ data: false });
    expect((await theirs.get("/api/lists")).body).toEqual({ data: [] });
    expect((await theirs.get("/api/lists/kept@example.com")).body).toEqual({ data: [] });
    expect((await theirs.get("/api/blacklist/get")).body.data).toMatchObject({
      total: 0,
      emails: [],
    });
    expect(await state()).toEqual(before);
  });

  it("refuses a key without the scope the endpoint needs", async () => {
    const readOnly = mailtrain(gateway, await gateway.key(account.id, ["lists:read"]));
    expect((await readOnly.get("/api/lists")).status).toBe(200);
    const before = await state();
    expect(
      await readOnly.post(`/api/subscribe/${cid}`, { EMAIL: "scope@example.com" }),
    ).toMatchObject({
      status: 403,
      body: envelope("This access_token lacks the subscribers:write scope"),
    });
    expect((await readOnly.post("/api/blacklist/add", { EMAIL: "x@example.com" })).status).toBe(
      403,
    );
    expect((await readOnly.post(`/api/field/${cid}`, { NAME: "X", TYPE: "text" })).status).toBe(
      403,
    );
    expect((await readOnly.get("/api/blacklist/get")).status).toBe(403);
    expect(await state()).toEqual(before);
  });
});

describe("bodies", () => {
  it("takes JSON as well as forms, with keys trimmed and upper-cased and values trimmed", async () => {
    const json = await api.post(
      `/api/subscribe/${cid}`,
      { " email ": "  json@example.com ", first_name: " Jay " },
      "json",
    );
    expect(json.status).toBe(200);
    const form = await api.post(`/api/subscribe/${cid}`, {
      Email: "form@example.com",
      Last_Name: " Form ",
    });
    expect(form.status).toBe(200);
    const rows = (await api.get(`/api/subscriptions/${cid}`)).body.data.subscriptions;
    expect(rows.find((r: { email: string }) => r.email === "json@example.com")?.firstName).toBe(
      "Jay",
    );
    expect(rows.find((r: { email: string }) => r.email === "form@example.com")?.lastName).toBe(
      "Form",
    );
  });

  it("turns JSON numbers and booleans into text, and null into nothing", async () => {
    await api.post(`/api/field/${cid}`, { NAME: "Seats", TYPE: "number" });
    const reply = await api.post(
      `/api/subscribe/${cid}`,
      { EMAIL: "typed@example.com", MERGE_SEATS: 7, FORCE_SUBSCRIBE: true },
      "json",
    );
    expect(reply.status).toBe(200);
    expect(await api.post(`/api/subscribe/${cid}`, { EMAIL: null }, "json")).toMatchObject({
      status: 400,
      body: envelope("Missing EMAIL"),
    });
  });

  it("reads a multipart body as no body: Missing EMAIL, nothing written", async () => {
    const before = await state();
    expect(
      await api.post(`/api/subscribe/${cid}`, { EMAIL: "multi@example.com" }, "multipart"),
    ).toMatchObject({
      status: 400,
      body: envelope("Missing EMAIL"),
    });
    expect(
      await api.post("/api/blacklist/add", { EMAIL: "multi@example.com" }, "multipart"),
    ).toMatchObject({
      status: 400,
      body: envelope("EMAIL argument are required"),
    });
    expect(await state()).toEqual(before);
  });

  it("answers broken JSON with 400 on every POST endpoint", async () => {
    const before = await state();
    for (const endpoint of POSTS) {
      const reply = await api.raw(endpoint.path(), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"EMAIL": "broken@example.com",',
      });
      expect(reply, endpoint.path()).toMatchObject({
        status: 400,
        body: envelope("The body is not valid JSON"),
      });
    }
    expect(await state()).toEqual(before);
  });

  it("refuses lists or objects where text belongs, and a body that is no object", async () => {
    const before = await state();
    for (const endpoint of POSTS) {
      const reply = await api.post(
        endpoint.path(),
        { ...endpoint.body, EMAIL: ["a@example.com", "b@example.com"] },
        "json",
      );
      expect(reply, endpoint.path()).toMatchObject({
        status: 400,
        body: envelope("EMAIL must be text, not an array"),
      });
    }
    const nested = await api.post(
      `/api/subscribe/${cid}`,
      { EMAIL: { address: "a@example.com" } },
      "json",
    );
    expect(nested).toMatchObject({
      status: 400,
      body: envelope("EMAIL must be text, not an object"),
    });
    for (const form of [
      "EMAIL[]=a@example.com",
      "EMAIL[x]=a@example.com",
      "EMAIL=a@example.com&EMAIL=b@example.com",
    ]) {
      const reply = await api.raw(`/api/subscribe/${cid}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: form,
      });
      expect(reply, form).toMatchObject({
        status: 400,
        body: envelope("EMAIL must be text, not an array"),
      });
    }
    for (const body of ['["a@example.com"]', '"a@example.com"', "42"]) {
      const reply = await api.raw(`/api/subscribe/${cid}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(reply, body).toMatchObject({
        status: 400,
        body: envelope("The body must be a JSON object"),
      });
    }
    expect(await state()).toEqual(before);
  });

  it("answers a body over 2 MB with 413 on every POST endpoint, sized or streamed", async () => {
    const before = await state();
    const big = "x".repeat(2 * 1024 * 1024 + 10);
    for (const endpoint of POSTS) {
      for (const [type, body] of [
        ["application/json", JSON.stringify({ ...endpoint.body, PAD: big })],
        [
          "application/x-www-form-urlencoded",
          new URLSearchParams({ ...endpoint.body, PAD: big }).toString(),
        ],
      ] as const) {
        const reply = await api.raw(endpoint.path(), {
          method: "POST",
          headers: { "content-type": type },
          body,
        });
        expect(reply, `${endpoint.path()} ${type}`).toMatchObject({
          status: 413,
          body: envelope("Request body may be at most 2 MB"),
        });
      }
    }
    // Without a Content-Length: the limit applies while the body is read.
    const chunks = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(`EMAIL=streamed%40example.com&PAD=${big}`));
        controller.close();
      },
    });
    const streamed = await fetch(
      urlOf(gateway, `/api/subscribe/${cid}`, { access_token: account.key }),
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: chunks,
        duplex: "half",
      } as RequestInit,
    );
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toEqual(envelope("Request body may be at most 2 MB"));
    expect(await state()).toEqual(before);
  });

  it("accepts a body just under 2 MB", async () => {
    const reply = await api.post(`/api/subscribe/${cid}`, {
      EMAIL: "large@example.com",
      PAD: "x".repeat(2 * 1024 * 1024 - 100),
    });
    expect(reply.status).toBe(200);
  });
});
