import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../src/config.js";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { type PlatformApp, startPlatformApp } from "./platform-app.js";

// Per-key, per-endpoint limits counted in Postgres: two servers over one database (as two
// processes behind a load balancer would be) share each key's count.

const LIMITS = {
  "contacts.get": { points: 3, seconds: 60 },
  "contacts.create": { points: 2, seconds: 60 },
};

let first: TestGateway;
let second: TestGateway;
let app: PlatformApp;
beforeAll(async () => {
  first = await startTestGateway({ botbatLimits: LIMITS });
  second = await startTestGateway({ database: first.database, botbatLimits: LIMITS });
  app = await startPlatformApp(first.database, LIMITS);
});
afterAll(async () => {
  await app?.close();
  await second?.close();
  await first?.close();
});

function get(gateway: TestGateway, id: string, key: string) {
  return fetch(`${gateway.url}/v1/contacts/${id}`, { headers: { authorization: `Bearer ${key}` } });
}

function limitHeaders(answer: Response) {
  return {
    limit: answer.headers.get("x-ratelimit-limit"),
    remaining: answer.headers.get("x-ratelimit-remaining"),
    reset: Number(answer.headers.get("x-ratelimit-reset")),
  };
}

async function contactOf(gateway: TestGateway, key: string, email: string): Promise<string> {
  const created = await gateway.graphql<{
    createSubscriber: { subscriber: { id: string } };
  }>(
    `mutation($email: String!) { createSubscriber(input: { email: $email }) {
      ... on CreateSubscriberPayload { subscriber { id } } } }`,
    { email },
    key,
  );
  const globalId = created.data?.createSubscriber.subscriber.id ?? "";
  return Buffer.from(globalId, "base64").toString().split(":")[1];
}

describe("a key's limit for an endpoint", () => {
  it("is counted across two servers: headers on 200 and 404, then 429 with Retry-After on both", async () => {
    const { key } = await first.account();
    const id = await contactOf(first, key, "counted@example.com");
    const before = Math.floor(Date.now() / 1000);

    const found = await get(first, id, key);
    expect(found.status).toBe(200);
    expect(limitHeaders(found)).toMatchObject({ limit: "3", remaining: "2" });
    const missing = await get(second, "nobody", key);
    expect(missing.status).toBe(404);
    expect(limitHeaders(missing)).toMatchObject({ limit: "3", remaining: "1" });
    const last = await get(first, id, key);
    expect(last.status).toBe(200);
    const { reset } = limitHeaders(last);
    expect(limitHeaders(last).remaining).toBe("0");
    // Reset is a Unix time in seconds, within the 60 s window that began with the first request.
    expect(reset).toBeGreaterThanOrEqual(before);
    expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60);

    for (const gateway of [second, first]) {
      const refused = await get(gateway, id, key);
      expect(refused.status).toBe(429);
      expect(await refused.json()).toEqual({
        error: { code: "rate_limited", message: expect.stringMatching(/retry in \d+ s/) },
      });
      const retryAfter = Number(refused.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(limitHeaders(refused)).toMatchObject({ limit: "3", remaining: "0" });
      expect(Math.abs(limitHeaders(refused).reset - reset)).toBeLessThanOrEqual(1);
    }
  });

  it("is the key's own: another key of the account still has its whole limit", async () => {
    const { id: accountId, key } = await first.account();
    for (let i = 0; i < 4; i++) await get(first, "nobody", key);
    expect((await get(first, "nobody", key)).status).toBe(429);
    const other = await first.key(accountId, ["contacts:read"]);
    const answer = await get(second, "nobody", other);
    expect(answer.status).toBe(404);
    expect(limitHeaders(answer).remaining).toBe("2");
  });

  it("a refused request runs nothing: the third create is 429 and no subscriber is made", async () => {
    const { id: accountId, key } = await first.account();
    const create = (email: string) =>
      fetch(`${app.url}/t/contacts`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ email }),
      });
    expect((await create("one@example.com")).status).toBe(201);
    expect((await create("two@example.com")).status).toBe(201);
    const refused = await create("three@example.com");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(app.calls.create).toBe(2);
    const rows = await first.database.db
      .selectFrom("subscribers")
      .select("email")
      .where("account_id", "=", accountId)
      .orderBy("email")
      .execute();
    expect(rows.map((row) => row.email)).toEqual(["one@example.com", "two@example.com"]);
  });

  it("a refused client that waits Retry-After seconds is served again", async () => {
    const quick = await startPlatformApp(first.database, {
      "contacts.create": { points: 1, seconds: 2 },
    });
    try {
      const { key } = await first.account();
      const create = (email: string) =>
        fetch(`${quick.url}/t/contacts`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify({ email }),
        });
      expect((await create("first@example.com")).status).toBe(201);
      let answer = await create("second@example.com");
      expect(answer.status).toBe(429);
      // Wait as a client would, Retry-After each time, with a generous deadline for a busy machine.
      const deadline = Date.now() + 30_000;
      while (answer.status === 429 && Date.now() < deadline) {
        const wait = Number(answer.headers.get("retry-after"));
        expect(wait).toBeGreaterThanOrEqual(1);
        expect(wait).toBeLessThanOrEqual(2);
        await new Promise((resolve) => setTimeout(resolve, wait * 1000));
        answer = await create("second@example.com");
      }
      expect(answer.status).toBe(201);
      expect(quick.calls.create).toBe(2);
    } finally {
      await quick.close();
    }
  }, 60_000);

  it("a 403 is counted and carries the headers; answers without a live key carry none", async () => {
    const { id: accountId } = await first.account();
    const tagsOnly = await first.key(accountId, ["tags:read"]);
    const forbidden = await get(first, "nobody", tagsOnly);
    expect(forbidden.status).toBe(403);
    expect(limitHeaders(forbidden)).toMatchObject({ limit: "3", remaining: "2" });

    for (const authorization of [`Bearer ${"0".repeat(40)}`, "Basic abc", ""]) {
      const answer = await fetch(`${first.url}/v1/contacts/nobody`, {
        headers: authorization ? { authorization } : {},
      });
      expect(answer.status).toBe(401);
      expect(answer.headers.get("x-ratelimit-limit")).toBeNull();
    }
  });
});

describe("BOTBAT_RATE_LIMITS", () => {
  it("replaces rows of the table, and a bad value stops the start with one line per problem", () => {
    expect(
      loadConfig({ BOTBAT_RATE_LIMITS: "contacts.search=120/60, contacts.import=5/30" })
        .BOTBAT_RATE_LIMITS,
    ).toEqual({
      "contacts.search": { points: 120, seconds: 60 },
      "contacts.import": { points: 5, seconds: 30 },
    });
    expect(loadConfig({}).BOTBAT_RATE_LIMITS).toBeUndefined();

    let error: unknown;
    try {
      loadConfig({
        BOTBAT_RATE_LIMITS: "contacts.serch=1/60,contacts.get=ten/60,contacts.list=0/60",
      });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = (error as Error).message.split("\n");
    expect(lines[0]).toBe("Invalid configuration:");
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}BOTBAT_RATE_LIMITS=.*"contacts\.serch" is not a limit \(known: /),
      expect.stringMatching(/"contacts\.get=ten\/60" is not name=points\/seconds/),
      expect.stringMatching(/"contacts\.list=0\/60": points and seconds must be at least 1/),
    ]);
  });
});

describe("POST /v1/contacts over its limit", () => {
  it("is 429 and creates nothing; the answers before it carry the headers", async () => {
    const { id: accountId, key } = await first.account();
    const create = (gateway: TestGateway, email: string) =>
      fetch(`${gateway.url}/v1/contacts`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ email }),
      });
    const one = await create(first, "v1-one@example.com");
    expect(one.status).toBe(201);
    expect(limitHeaders(one)).toMatchObject({ limit: "2", remaining: "1" });
    const bad = await create(second, "not an email");
    expect(bad.status).toBe(422);
    expect(limitHeaders(bad)).toMatchObject({ limit: "2", remaining: "0" });
    const refused = await create(first, "v1-three@example.com");
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: "rate_limited" } });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const rows = await first.database.db
      .selectFrom("subscribers")
      .select("email")
      .where("account_id", "=", accountId)
      .execute();
    expect(rows.map((row) => row.email)).toEqual(["v1-one@example.com"]);
  });
});
