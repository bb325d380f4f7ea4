import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { graphqlList, type MailtrainClient, mailtrain, type Reply } from "./client.js";

// Text Mailtrain cannot store, and parameters given as lists: a NUL (raw in a form, `%00`, or the
// JSON escape `\u0000`) or bytes that are not UTF-8, in the path, the query string or the body,
// is a 400 in the envelope on every endpoint (it used to reach Postgres: 500); `search=a&search=b`
// and `limit[]=1` are a 400 (they used to drop the filter, or list 10,000).

let gateway: TestGateway;
let api: MailtrainClient;
let key: string;
let cid: string;

beforeAll(async () => {
  gateway = await startTestGateway();
  key = (await gateway.account("acme")).key;
  api = mailtrain(gateway, key);
  cid = (await graphqlList(gateway, key, "Main")).cid;
  await api.post(`/api/subscribe/${cid}`, { EMAIL: "kept@example.com" });
  await api.post("/api/blacklist/add", { EMAIL: "listed@example.com" });
  await api.post("/api/blacklist/add", { EMAIL: "other@example.com" });
});
afterAll(() => gateway.close());

async function state() {
  const db = gateway.database.db;
  return {
    subscribers: await db.selectFrom("subscribers").select(["email"]).orderBy("id").execute(),
    subscriptions: await db.selectFrom("subscriptions").select(["status"]).orderBy("id").execute(),
    fields: await db.selectFrom("custom_fields").select(["name"]).orderBy("id").execute(),
    blocklist: await db.selectFrom("blocklist").select("email").orderBy("id").execute(),
  };
}

/** A raw request: the path and query as written, the body as bytes. */
async function raw(
  pathAndQuery: string,
  init: { body?: Buffer | string; type?: string } = {},
): Promise<Reply> {
  const separator = pathAndQuery.includes("?") ? "&" : "?";
  const response = await fetch(`${gateway.url}${pathAndQuery}${separator}access_token=${key}`, {
    method: init.body === undefined ? "GET" : "POST",
    headers: init.type ? { "content-type": init.type } : {},
    body:
      typeof init.body === "string" || init.body === undefined
        ? init.body
        : new Uint8Array(init.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get("content-type") ?? "",
    body: JSON.parse(text),
  };
}

function expect400(reply: Reply, message: RegExp) {
  expect(reply.status, JSON.stringify(reply.body)).toBe(400);
  expect(reply.body).toEqual({ error: expect.stringMatching(message), data: [] });
}

const notUtf8 = (text: string) => {
  const bytes = Buffer.from(text);
  bytes[bytes.indexOf("~")] = 0xff;
  return bytes;
};

const POSTS: { path: () => string; body: Record<string, string>; key: string }[] = [
  { path: () => `/api/subscribe/${cid}`, body: { EMAIL: "new@example.com" }, key: "EMAIL" },
  { path: () => `/api/unsubscribe/${cid}`, body: { EMAIL: "kept@example.com" }, key: "EMAIL" },
  { path: () => `/api/delete/${cid}`, body: { EMAIL: "kept@example.com" }, key: "EMAIL" },
  {
    path: () => `/api/changeemail/${cid}`,
    body: { EMAILOLD: "kept@example.com", EMAILNEW: "moved@example.com" },
    key: "EMAILNEW",
  },
  { path: () => `/api/field/${cid}`, body: { NAME: "Extra", TYPE: "text" }, key: "NAME" },
  { path: () => "/api/blacklist/add", body: { EMAIL: "blocked@example.com" }, key: "EMAIL" },
  { path: () => "/api/blacklist/delete", body: { EMAIL: "listed@example.com" }, key: "EMAIL" },
];

describe("NUL characters and text that is not UTF-8", () => {
  it("refuses them in every write's body, form or JSON, and changes nothing", async () => {
    const before = await state();
    for (const endpoint of POSTS) {
      const spoiled = { ...endpoint.body, [endpoint.key]: `a\u0000${endpoint.body[endpoint.key]}` };
      const label = `${endpoint.path()} ${endpoint.key}`;
      // A form with %00, and one with %FF: neither is text that can be stored.
      const form = new URLSearchParams(spoiled).toString();
      expect400(
        await raw(endpoint.path(), { body: form, type: "application/x-www-form-urlencoded" }),
        new RegExp(`^${endpoint.key} must not contain a NUL`),
      );
      const percentFF = form.replace("%00", "%FF");
      const ff = await raw(endpoint.path(), {
        body: percentFF,
        type: "application/x-www-form-urlencoded",
      });
      expect400(ff, new RegExp(`^${endpoint.key} must be valid UTF-8`));
      // JSON with the \u0000 escape (valid JSON), and JSON whose bytes are not UTF-8.
      const json = await raw(endpoint.path(), {
        body: JSON.stringify(spoiled),
        type: "application/json",
      });
      expect400(json, new RegExp(`^${endpoint.key} must not contain a NUL`));
      const bytes = notUtf8(
        JSON.stringify({ ...endpoint.body, [endpoint.key]: `~${endpoint.body[endpoint.key]}` }),
      );
      expect400(
        await raw(endpoint.path(), { body: bytes, type: "application/json" }),
        /^The body is not valid UTF-8$/,
      );
      expect(label).toBeTruthy();
    }
    expect(await state()).toEqual(before);
  });

  it("refuses them in the path and the query string", async () => {
    expect400(await raw("/api/lists/a%00b@example.com"), /^path must not contain a NUL/);
    expect400(await raw("/api/lists/a%FFb@example.com"), /^path must be valid UTF-8/);
    expect400(await raw(`/api/subscriptions/${cid}%00`), /^path must not contain a NUL/);
    expect400(await raw("/api/blacklist/get?search=%00"), /^search must not contain a NUL/);
    expect400(await raw("/api/blacklist/get?search=%C3"), /^search must be valid UTF-8/);
    expect400(await raw("/api/blacklist/get?start=0%00"), /^start must not contain a NUL/);
  });

  it("still reads percent-encoded UTF-8 and a stray %", async () => {
    const reply = await raw("/api/blacklist/get?search=%C3%A9t%C3%A9");
    expect(reply.status).toBe(200);
    expect(reply.body.data.total).toBe(0);
    expect((await raw("/api/lists/100%25@example.com")).status).toBe(200);
  });
});

describe("query parameters given as lists", () => {
  it("refuses a repeated search instead of dropping the filter", async () => {
    expect400(
      await raw("/api/blacklist/get?search=listed&search=other"),
      /^search must be given once$/,
    );
    // One search filters as before.
    const one = await raw("/api/blacklist/get?search=listed");
    expect(one.body.data).toMatchObject({ total: 1, emails: ["listed@example.com"] });
  });

  it("refuses limit[]=1 and start[x]=1 instead of listing 10,000", async () => {
    expect400(await raw("/api/blacklist/get?limit[]=1"), /^limit must be one value/);
    expect400(await raw("/api/blacklist/get?limit%5B%5D=1"), /^limit must be one value/);
    expect400(await raw(`/api/subscriptions/${cid}?start[x]=1`), /^start must be one value/);
    expect400(await raw(`/api/subscriptions/${cid}?limit=1&limit=2`), /^limit must be given once$/);
  });

  it("refuses a repeated access_token", async () => {
    const reply = await raw(`/api/lists?access_token=${key}`);
    expect400(reply, /^access_token must be given once$/);
  });
});
