import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { type PlatformApp, startPlatformApp } from "./platform-app.js";

// Idempotency-Key over a live server and a real database: botbat's real endpoint chain in front
// of handlers the test controls (platform-app.ts).

let gateway: TestGateway;
let app: PlatformApp;
let key: string;
let accountId: string;

beforeAll(async () => {
  gateway = await startTestGateway();
  app = await startPlatformApp(gateway.database);
  const account = await gateway.account();
  key = account.key;
  accountId = account.id;
});
afterAll(async () => {
  await app?.close();
  await gateway?.close();
});

function post(path: string, body: unknown, idempotencyKey?: string, apiKey = key) {
  return fetch(`${app.url}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${apiKey}`,
      "content-type": "application/json",
      ...(idempotencyKey === undefined ? {} : { "idempotency-key": idempotencyKey }),
    },
    body: JSON.stringify(body),
  });
}

async function subscribersNamed(email: string): Promise<number> {
  const rows = await gateway.database.db
    .selectFrom("subscribers")
    .select("id")
    .where("account_id", "=", accountId)
    .where("email", "=", email)
    .execute();
  return rows.length;
}

async function keyRows(idempotencyKey: string) {
  return gateway.database.db
    .selectFrom("idempotency_keys")
    .select(["status_code", "fingerprint", "created_at"])
    .where("account_id", "=", accountId)
    .where("key", "=", idempotencyKey)
    .execute();
}

describe("a retry with the same key and body", () => {
  it("gets the first answer again and creates nothing more", async () => {
    const first = await post("/t/contacts", { email: "once@example.com" }, "create-once");
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const firstBody = await first.text();
    const callsBefore = app.calls.create;

    const retry = await post("/t/contacts", { email: "once@example.com" }, "create-once");
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.headers.get("content-type")).toBe(first.headers.get("content-type"));
    expect(await retry.text()).toBe(firstBody);
    expect(app.calls.create).toBe(callsBefore);
    expect(await subscribersNamed("once@example.com")).toBe(1);
    expect(await keyRows("create-once")).toMatchObject([{ status_code: 201 }]);
  });

  it("without a key, runs twice (the second is the duplicate email's 409)", async () => {
    expect((await post("/t/contacts", { email: "twice@example.com" })).status).toBe(201);
    const again = await post("/t/contacts", { email: "twice@example.com" });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: { code: "conflict" } });
    expect(await subscribersNamed("twice@example.com")).toBe(1);
  });

  it("keeps a 4xx answer too: the request changed nothing, its retry gets the same refusal", async () => {
    const first = await post("/t/contacts", { email: "not an email" }, "bad-email");
    expect(first.status).toBe(422);
    const body = await first.json();
    expect(body).toMatchObject({ error: { code: "validation_error" } });
    const retry = await post("/t/contacts", { email: "not an email" }, "bad-email");
    expect(retry.status).toBe(422);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(await retry.json()).toEqual(body);
  });

  it("keys are the API key's own: another key of the account with the same key runs", async () => {
    const other = await gateway.key(accountId, ["subscribers:write"]);
    const mine = await post("/t/contacts", { email: "mine@example.com" }, "shared-name");
    expect(mine.status).toBe(201);
    const theirs = await post("/t/contacts", { email: "theirs@example.com" }, "shared-name", other);
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
    expect(await subscribersNamed("theirs@example.com")).toBe(1);
  });
});

describe("a key reused for another request", () => {
  it("is 422 on the Idempotency-Key header, for another body or another path, and runs nothing", async () => {
    expect((await post("/t/contacts", { email: "first@example.com" }, "reused")).status).toBe(201);
    const calls = app.calls.create;

    const otherBody = await post("/t/contacts", { email: "second@example.com" }, "reused");
    expect(otherBody.status).toBe(422);
    const refusal = await otherBody.json();
    expect(refusal.error.code).toBe("validation_error");
    expect(refusal.error.details).toEqual([
      { field: "Idempotency-Key", message: expect.stringContaining("another request") },
    ]);

    const otherPath = await post("/t/flaky", { email: "first@example.com" }, "reused");
    expect(otherPath.status).toBe(422);
    expect(await otherPath.json()).toEqual(refusal);

    expect(app.calls.create).toBe(calls);
    expect(await subscribersNamed("second@example.com")).toBe(0);
    expect(await keyRows("reused")).toMatchObject([{ status_code: 201 }]);
  });

  it("a malformed key is 400 invalid_request and nothing runs", async () => {
    const calls = app.calls.create;
    for (const bad of ["x".repeat(256), "tab\there", ""]) {
      const answer = await post("/t/contacts", { email: "malformed@example.com" }, bad);
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({
        error: {
          code: "invalid_request",
          message: expect.stringContaining("Idempotency-Key must be 1 to 255"),
        },
      });
    }
    // The longest allowed works.
    const longest = await post("/t/contacts", { email: "longest@example.com" }, "k".repeat(255));
    expect(longest.status).toBe(201);
    expect(app.calls.create).toBe(calls + 1);
    expect(await subscribersNamed("malformed@example.com")).toBe(0);
  });
});

describe("concurrent retries", () => {
  it("five at once: one runs, the four others wait and get its answer", async () => {
    const sends = Array.from({ length: 5 }, () =>
      post("/t/held", { email: "concurrent@example.com" }, "five-at-once"),
    );
    await app.held.entered;
    // The running one holds the key; every other send waits for its answer, however they
    // interleave (one that arrives after the release gets the stored answer at once).
    expect(await keyRows("five-at-once")).toMatchObject([{ status_code: null }]);
    app.held.release();
    const answers = await Promise.all(sends);
    const bodies = await Promise.all(answers.map((answer) => answer.text()));
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(bodies).size).toBe(1);
    expect(answers.filter((a) => a.headers.get("idempotent-replayed") === "true")).toHaveLength(4);
    expect(app.calls.held).toBe(1);
    expect(await subscribersNamed("concurrent@example.com")).toBe(1);
  });

  it("one still running after the ~10 s wait: the retry is 409 conflict and runs nothing", async () => {
    // A request that never finishes until the test says so, under a key of its own.
    const held = await startPlatformApp(gateway.database);
    try {
      const first = fetch(`${held.url}/t/held`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${key}`,
          "content-type": "application/json",
          "idempotency-key": "still-running",
        },
        body: JSON.stringify({ email: "slow@example.com" }),
      });
      await held.held.entered;
      const retry = await fetch(`${held.url}/t/held`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${key}`,
          "content-type": "application/json",
          "idempotency-key": "still-running",
        },
        body: JSON.stringify({ email: "slow@example.com" }),
      });
      expect(retry.status).toBe(409);
      expect(await retry.json()).toMatchObject({
        error: { code: "conflict", message: expect.stringContaining("still running") },
      });
      expect(held.calls.held).toBe(1);
      held.held.release();
      expect((await first).status).toBe(201);
      expect(await subscribersNamed("slow@example.com")).toBe(1);
    } finally {
      await held.close();
    }
  }, 60_000);
});

describe("what is not kept", () => {
  it("a 5xx: the key is let go and a retry runs again", async () => {
    const failed = await post("/t/flaky", { email: "flaky@example.com" }, "flaky-key");
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ error: { code: "internal_error" } });
    expect(await keyRows("flaky-key")).toEqual([]);

    const retry = await post("/t/flaky", { email: "flaky@example.com" }, "flaky-key");
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(app.calls.flaky).toBe(2);
    expect(await subscribersNamed("flaky@example.com")).toBe(1);
  });

  it("a key older than 24 hours: it is a new key, replaced in place", async () => {
    expect((await post("/t/contacts", { email: "old@example.com" }, "yesterday")).status).toBe(201);
    await sql`update idempotency_keys set created_at = now() - interval '25 hours'
      where account_id = ${accountId} and key = 'yesterday'`.execute(gateway.database.db);

    // Another body under the old key would be 422 within the day; now it runs.
    const later = await post("/t/contacts", { email: "new@example.com" }, "yesterday");
    expect(later.status).toBe(201);
    expect(later.headers.get("idempotent-replayed")).toBeNull();
    expect(await subscribersNamed("new@example.com")).toBe(1);
    const rows = await keyRows("yesterday");
    expect(rows).toHaveLength(1);
    expect(Date.now() - rows[0].created_at.getTime()).toBeLessThan(60 * 60_000);
  });
});

describe("POST /v1/contacts with an Idempotency-Key", () => {
  function createContact(body: unknown, idempotencyKey: string) {
    return fetch(`${gateway.url}/v1/contacts`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${key}`,
        "content-type": "application/json",
        "idempotency-key": idempotencyKey,
      },
      body: JSON.stringify(body),
    });
  }

  it("a retry gets the same 201 and body, and one contact exists", async () => {
    const body = { email: "v1-once@example.com", name: "Ada Once", tags: ["vip"] };
    const first = await createContact(body, "v1-create-once");
    expect(first.status).toBe(201);
    const created = await first.text();
    const retry = await createContact(body, "v1-create-once");
    expect(retry.status).toBe(201);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.headers.get("x-ratelimit-limit")).not.toBeNull();
    expect(await retry.text()).toBe(created);
    expect(await subscribersNamed("v1-once@example.com")).toBe(1);

    const other = await createContact({ ...body, name: "Ada Other" }, "v1-create-once");
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({
      error: { code: "validation_error", details: [{ field: "Idempotency-Key" }] },
    });
    const stored = await gateway.database.db
      .selectFrom("subscribers")
      .select(["first_name", "last_name"])
      .where("account_id", "=", accountId)
      .where("email", "=", "v1-once@example.com")
      .execute();
    expect(stored).toEqual([{ first_name: "Ada", last_name: "Once" }]);
  });

  it("five concurrent sends with one key create exactly one contact; all get its answer", async () => {
    const body = { email: "v1-concurrent@example.com" };
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => createContact(body, "v1-five-at-once")),
    );
    const bodies = await Promise.all(answers.map((answer) => answer.text()));
    expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201, 201]);
    expect(new Set(bodies).size).toBe(1);
    expect(answers.filter((a) => a.headers.get("idempotent-replayed") === null)).toHaveLength(1);
    expect(await subscribersNamed("v1-concurrent@example.com")).toBe(1);
  });
});

describe("POST /v1/contacts/import with an Idempotency-Key", () => {
  function upload(csv: string, idempotencyKey: string) {
    // A new form each time: its multipart boundary is new, as a client's retry would make it.
    const form = new FormData();
    form.set("file", new Blob([csv], { type: "text/csv" }), "people.csv");
    return fetch(`${gateway.url}/v1/contacts/import`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "idempotency-key": idempotencyKey },
      body: form,
    });
  }

  async function imports(): Promise<number> {
    const rows = await gateway.database.db
      .selectFrom("imports")
      .select("id")
      .where("account_id", "=", accountId)
      .execute();
    return rows.length;
  }

  it("the same file sent again (another boundary) is the same import, Location included", async () => {
    const csv = "email,first_name\nimported-once@example.com,Ima\n";
    const before = await imports();
    const first = await upload(csv, "import-once");
    expect(first.status).toBe(202);
    const location = first.headers.get("location");
    expect(location).toMatch(/^\/v1\/contacts\/import\//);
    const body = await first.text();

    const retry = await upload(csv, "import-once");
    expect(retry.status).toBe(202);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.headers.get("location")).toBe(location);
    expect(await retry.text()).toBe(body);
    expect(await imports()).toBe(before + 1);

    const otherFile = await upload("email\nsomeone-else@example.com\n", "import-once");
    expect(otherFile.status).toBe(422);
    expect(await imports()).toBe(before + 1);
  });
});

describe("other methods", () => {
  it("PUT ignores Idempotency-Key (a full update is idempotent by itself): each runs", async () => {
    const created = await fetch(`${gateway.url}/v1/contacts`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ email: "put-twice@example.com" }),
    });
    const { id } = (await created.json()) as { id: string };
    for (const name of ["First Name", "Second Name"]) {
      const answer = await fetch(`${gateway.url}/v1/contacts/${id}`, {
        method: "PUT",
        headers: {
          authorization: `Bearer ${key}`,
          "content-type": "application/json",
          "idempotency-key": "put-key",
        },
        body: JSON.stringify({ email: "put-twice@example.com", name }),
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get("idempotent-replayed")).toBeNull();
      expect(await answer.json()).toMatchObject({ name });
    }
    expect(await keyRows("put-key")).toEqual([]);
  });
});
