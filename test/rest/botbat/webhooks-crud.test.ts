import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";

// The Webhooks API over HTTP, with the address guard as it runs in production (no allowance for
// private addresses): what each endpoint answers, and that every refused request changes nothing.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway?.close();
});

// A public address literal: creation needs no DNS, and nothing is delivered in these tests.
const PUBLIC_URL = "https://93.184.215.14/hooks";

function call(key: string, method: string, path: string, body?: unknown) {
  return fetch(`${gateway.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function webhookCount(accountId: string): Promise<number> {
  const rows = await gateway.database.db
    .selectFrom("webhooks")
    .select("public_id")
    .where("account_id", "=", accountId)
    .execute();
  return rows.length;
}

async function stored(accountId: string) {
  return gateway.database.db
    .selectFrom("webhooks")
    .selectAll()
    .where("account_id", "=", accountId)
    .orderBy("id")
    .execute();
}

describe("create, read, update, delete", () => {
  it("creates with the secret shown once, reads, replaces and deletes a webhook", async () => {
    const { id: accountId, key } = await gateway.account();
    const created = await call(key, "POST", "/v1/webhooks", {
      url: PUBLIC_URL,
      events: ["contact.created", "import.completed", "contact.created"],
      description: "CRM sync",
    });
    expect(created.status).toBe(201);
    const webhook = (await created.json()) as Record<string, unknown>;
    expect(webhook).toMatchObject({
      url: PUBLIC_URL,
      events: ["contact.created", "import.completed"],
      description: "CRM sync",
      active: true,
      sandbox: false,
      failing_since: null,
      disabled_reason: null,
    });
    expect(webhook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

    const read = await call(key, "GET", `/v1/webhooks/${webhook.id}`);
    expect(read.status).toBe(200);
    const detail = (await read.json()) as Record<string, unknown>;
    expect(detail).not.toHaveProperty("secret");
    expect(detail).toMatchObject({ id: webhook.id, recent_deliveries: [] });

    const list = await call(key, "GET", "/v1/webhooks");
    const page = (await list.json()) as { data: Record<string, unknown>[] };
    expect(page).toMatchObject({ cursor: null, total: 1 });
    expect(page.data[0]).not.toHaveProperty("secret");

    const replaced = await call(key, "PUT", `/v1/webhooks/${webhook.id}`, {
      url: "https://93.184.215.14/other",
      events: ["contact.deleted"],
      active: false,
    });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({
      url: "https://93.184.215.14/other",
      events: ["contact.deleted"],
      description: null,
      active: false,
    });

    const deliveries = await call(key, "GET", `/v1/webhooks/${webhook.id}/deliveries`);
    expect(await deliveries.json()).toEqual({ data: [], cursor: null, total: 0 });

    const deleted = await call(key, "DELETE", `/v1/webhooks/${webhook.id}`);
    expect(deleted.status).toBe(204);
    expect(await webhookCount(accountId)).toBe(0);
    expect((await call(key, "GET", `/v1/webhooks/${webhook.id}`)).status).toBe(404);
  });

  it("pages the list by cursor, oldest first", async () => {
    const { key } = await gateway.account();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const answer = await call(key, "POST", "/v1/webhooks", {
        url: `${PUBLIC_URL}/${i}`,
        events: ["contact.updated"],
      });
      ids.push(((await answer.json()) as { id: string }).id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : "?limit=2";
      const answer = await call(key, "GET", `/v1/webhooks${query}`);
      const page = (await answer.json()) as {
        data: { id: string }[];
        cursor: string | null;
        total: number;
      };
      expect(page.total).toBe(5);
      seen.push(...page.data.map((row) => row.id));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual(ids);
    const bad = await call(key, "GET", "/v1/webhooks?cursor=bm90LWEtY3Vyc29y");
    expect(bad.status).toBe(400);
    expect((await call(key, "GET", "/v1/webhooks?limit=101")).status).toBe(422);
  });

  it("turning a disabled webhook on again clears its failure state", async () => {
    const { id: accountId, key } = await gateway.account();
    const answer = await call(key, "POST", "/v1/webhooks", {
      url: PUBLIC_URL,
      events: ["contact.created"],
    });
    const { id } = (await answer.json()) as { id: string };
    await gateway.database.db
      .updateTable("webhooks")
      .set({
        active: false,
        failing_since: new Date(Date.now() - 30 * 3600_000),
        disabled_reason: "disabled: every delivery failed since …",
      })
      .where("account_id", "=", accountId)
      .execute();
    const again = await call(key, "PUT", `/v1/webhooks/${id}`, {
      url: PUBLIC_URL,
      events: ["contact.created"],
      active: true,
    });
    expect(await again.json()).toMatchObject({
      active: true,
      failing_since: null,
      disabled_reason: null,
    });
  });

  it("a sandbox key's webhook is sandbox", async () => {
    const { id: accountId } = await gateway.account();
    const { issueKey } = await import("../../../src/domain/accounts/keys.js");
    const sandboxKey = (
      await issueKey(gateway.database.db, accountId, { scopes: ["webhooks:write"], sandbox: true })
    ).secret;
    const answer = await call(sandboxKey, "POST", "/v1/webhooks", {
      url: PUBLIC_URL,
      events: ["contact.created"],
    });
    expect(answer.status).toBe(201);
    expect(await answer.json()).toMatchObject({ sandbox: true });
  });
});

describe("refusals change nothing", () => {
  it("refuses bad bodies with one detail per field (422)", async () => {
    const { id: accountId, key } = await gateway.account();
    const cases: [unknown, string[]][] = [
      [{ url: PUBLIC_URL, events: ["contact.created", "message.exploded"] }, ["events[1]"]],
      [{ url: PUBLIC_URL, events: [] }, ["events"]],
      [{ url: "ftp://example.com/x", events: ["contact.created"] }, ["url"]],
      [{ url: "not a url", events: ["contact.created"] }, ["url"]],
      [{ url: "https://user:pw@93.184.215.14/", events: ["contact.created"] }, ["url"]],
      [{ events: ["contact.created"] }, ["url"]],
      [{ url: PUBLIC_URL, events: "contact.created" }, ["events"]],
      [{ url: PUBLIC_URL, events: [1] }, ["events[0]"]],
      [
        { url: PUBLIC_URL, events: ["contact.created"], description: "x".repeat(501) },
        ["description"],
      ],
      [{ url: PUBLIC_URL, events: ["contact.created"], description: "a\u0000b" }, ["description"]],
      [{ url: `${PUBLIC_URL}\u0000x`, events: ["contact.created"] }, ["url"]],
    ];
    for (const [body, fields] of cases) {
      const answer = await call(key, "POST", "/v1/webhooks", body);
      expect(answer.status, JSON.stringify(body)).toBe(422);
      const { error } = (await answer.json()) as {
        error: { code: string; details: { field: string }[] };
      };
      expect(error.code).toBe("validation_error");
      expect(error.details.map((detail) => detail.field)).toEqual(fields);
    }
    const malformed = await fetch(`${gateway.url}/v1/webhooks`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: "{",
    });
    expect(malformed.status).toBe(400);
    expect(await webhookCount(accountId)).toBe(0);
  });

  it("refuses loopback, private, link-local and metadata addresses at creation (422, nothing stored)", async () => {
    const { id: accountId, key } = await gateway.account();
    const refused = [
      "http://127.0.0.1:8080/hook",
      "http://169.254.169.254/latest/meta-data",
      "http://10.1.2.3/",
      "http://192.168.1.1/",
      "http://172.16.0.9/",
      "http://100.64.0.1/",
      "http://0.0.0.0/",
      "http://[::1]/",
      "http://[fd00:ec2::254]/",
      "http://[fe80::1]/",
      "http://[::ffff:127.0.0.1]/",
      "http://[::ffff:a9fe:a9fe]/",
      "http://localhost/hook",
    ];
    for (const url of refused) {
      const answer = await call(key, "POST", "/v1/webhooks", { url, events: ["contact.created"] });
      expect(answer.status, url).toBe(422);
      const { error } = (await answer.json()) as { error: { details: { field: string }[] } };
      expect(error.details[0]?.field).toBe("url");
    }
    expect(await webhookCount(accountId)).toBe(0);
  });

  it("a PUT that is refused leaves the webhook as it was", async () => {
    const { id: accountId, key } = await gateway.account();
    const answer = await call(key, "POST", "/v1/webhooks", {
      url: PUBLIC_URL,
      events: ["contact.created"],
    });
    const { id } = (await answer.json()) as { id: string };
    const before = await stored(accountId);
    const bodies = [
      { url: "http://127.0.0.1/", events: ["contact.created"], active: true },
      { url: PUBLIC_URL, events: ["nope"], active: true },
      { url: PUBLIC_URL, events: ["contact.created"] },
    ];
    for (const body of bodies) {
      const refused = await call(key, "PUT", `/v1/webhooks/${id}`, body);
      expect(refused.status, JSON.stringify(body)).toBe(422);
    }
    expect((await call(key, "PUT", "/v1/webhooks/nope", bodies[0])).status).toBe(404);
    expect(await stored(accountId)).toEqual(before);
  });

  it("another account's webhook is 404, a key without the scope 403", async () => {
    const owner = await gateway.account();
    const other = await gateway.account();
    const answer = await call(owner.key, "POST", "/v1/webhooks", {
      url: PUBLIC_URL,
      events: ["contact.created"],
    });
    const { id } = (await answer.json()) as { id: string };
    const before = await stored(owner.id);
    const body = { url: PUBLIC_URL, events: ["contact.deleted"], active: true };
    expect((await call(other.key, "GET", `/v1/webhooks/${id}`)).status).toBe(404);
    expect((await call(other.key, "GET", `/v1/webhooks/${id}/deliveries`)).status).toBe(404);
    expect((await call(other.key, "PUT", `/v1/webhooks/${id}`, body)).status).toBe(404);
    expect((await call(other.key, "DELETE", `/v1/webhooks/${id}`)).status).toBe(404);
    expect(await (await call(other.key, "GET", "/v1/webhooks")).json()).toMatchObject({
      data: [],
      total: 0,
    });

    const readOnly = await gateway.key(owner.id, ["webhooks:read"]);
    const contactsOnly = await gateway.key(owner.id, ["contacts:write"]);
    expect((await call(contactsOnly, "GET", "/v1/webhooks")).status).toBe(403);
    expect((await call(readOnly, "GET", `/v1/webhooks/${id}`)).status).toBe(200);
    const writes = [
      call(readOnly, "POST", "/v1/webhooks", { url: PUBLIC_URL, events: ["contact.created"] }),
      call(readOnly, "PUT", `/v1/webhooks/${id}`, body),
      call(readOnly, "DELETE", `/v1/webhooks/${id}`),
    ];
    for (const refused of await Promise.all(writes)) {
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ error: { code: "forbidden" } });
    }
    expect(await stored(owner.id)).toEqual(before);
  });
});
