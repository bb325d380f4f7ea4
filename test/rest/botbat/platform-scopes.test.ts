import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../helpers/cli.js";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";

// Botbat's scope names issue product scopes (contacts:read is subscribers:read): a key issued
// with `contacts:read`, by the CLI or by GraphQL, reads contacts and does nothing else.

let gateway: TestGateway;
let account: { id: string; sid: string; key: string };
let contactId: string;

beforeAll(async () => {
  gateway = await startTestGateway();
  account = await gateway.account();
  const created = await fetch(`${gateway.url}/v1/contacts`, {
    method: "POST",
    headers: { authorization: `Bearer ${account.key}`, "content-type": "application/json" },
    body: JSON.stringify({ email: "readable@example.com", name: "Rea Dable" }),
  });
  expect(created.status).toBe(201);
  contactId = ((await created.json()) as { id: string }).id;
});
afterAll(async () => {
  await gateway?.close();
});

async function contacts(): Promise<number> {
  const rows = await gateway.database.db
    .selectFrom("subscribers")
    .select("id")
    .where("account_id", "=", account.id)
    .execute();
  return rows.length;
}

async function webhooks(): Promise<number> {
  const rows = await gateway.database.db
    .selectFrom("webhooks")
    .select("id")
    .where("account_id", "=", account.id)
    .execute();
  return rows.length;
}

/** What a contacts:read key may and may not do, over HTTP, changing nothing it may not. */
async function readsContactsOnly(key: string): Promise<void> {
  const auth = { authorization: `Bearer ${key}` };
  const json = { ...auth, "content-type": "application/json" };
  const before = { contacts: await contacts(), webhooks: await webhooks() };

  const read = await fetch(`${gateway.url}/v1/contacts/${contactId}`, { headers: auth });
  expect(read.status).toBe(200);
  expect(await read.json()).toMatchObject({ id: contactId, email: "readable@example.com" });

  const create = await fetch(`${gateway.url}/v1/contacts`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ email: "not-allowed@example.com" }),
  });
  expect(create.status).toBe(403);
  expect(await create.json()).toEqual({
    error: { code: "forbidden", message: "this API key lacks the subscribers:write scope" },
  });

  for (const [method, body] of [
    ["GET", undefined],
    ["POST", JSON.stringify({ url: "https://hooks.example.com/in", events: ["contact.created"] })],
  ] as const) {
    const answer = await fetch(`${gateway.url}/v1/webhooks`, { method, headers: json, body });
    expect(answer.status, `${method} /v1/webhooks`).toBe(403);
    expect(await answer.json()).toMatchObject({ error: { code: "forbidden" } });
  }

  const tags = await gateway.graphql("{ tags(first: 5) { edges { node { name } } } }", {}, key);
  expect(tags.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  expect(tags.data?.tags ?? null).toBeNull();

  expect({ contacts: await contacts(), webhooks: await webhooks() }).toEqual(before);
}

describe("a contacts:read key", () => {
  it("issued by `keys create --scopes contacts:read` reads contacts, and nothing else", async () => {
    const run = await runCli(
      gateway.database.url,
      "keys",
      "create",
      "--account",
      account.sid,
      "--scopes",
      "contacts:read",
      "--json",
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const issued = JSON.parse(run.stdout) as { apiKey: string; key: { scopes: string[] } };
    // The alias stands for the product's scope: every surface reads the same list.
    expect(issued.key.scopes).toEqual(["subscribers:read"]);
    await readsContactsOnly(issued.apiKey);
  }, 60_000);

  it('issued by GraphQL createApiKey(scopes: ["contacts:read"]) is the same', async () => {
    const created = await gateway.graphql<{
      createApiKey: { secret: string; apiKey: { scopes: string[]; sandbox: boolean } };
    }>(
      `mutation { createApiKey(input: { scopes: ["contacts:read"] }) {
        ... on CreateApiKeyPayload { secret apiKey { scopes sandbox } } } }`,
      {},
      account.key,
    );
    expect(created.errors).toBeUndefined();
    expect(created.data?.createApiKey.apiKey).toEqual({
      scopes: ["subscribers:read"],
      sandbox: false,
    });
    await readsContactsOnly(created.data?.createApiKey.secret as string);
  });

  it("an unknown scope is refused by both, naming botbat's names among the known", async () => {
    const keysBefore = await gateway.database.db
      .selectFrom("api_keys")
      .select("id")
      .where("account_id", "=", account.id)
      .execute();
    const run = await runCli(
      gateway.database.url,
      "keys",
      "create",
      "--account",
      account.sid,
      "--scopes",
      "contacts:admin",
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown scope contacts:admin");
    expect(run.stderr).toContain("contacts:read");
    const refused = await gateway.graphql<{ createApiKey: { __typename: string } }>(
      `mutation { createApiKey(input: { scopes: ["contacts:admin"] }) { __typename } }`,
      {},
      account.key,
    );
    expect(refused.data?.createApiKey.__typename).not.toBe("CreateApiKeyPayload");
    const keysAfter = await gateway.database.db
      .selectFrom("api_keys")
      .select("id")
      .where("account_id", "=", account.id)
      .execute();
    expect(keysAfter).toHaveLength(keysBefore.length);
  }, 60_000);
});

describe("contacts:write and webhooks scopes", () => {
  it("a contacts:write key creates contacts (and reads them) but cannot touch webhooks", async () => {
    const key = await gateway.key(account.id, ["contacts:write"]);
    const create = await fetch(`${gateway.url}/v1/contacts`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ email: "writer@example.com" }),
    });
    expect(create.status).toBe(201);
    const { id } = (await create.json()) as { id: string };
    const read = await fetch(`${gateway.url}/v1/contacts/${id}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(read.status).toBe(200);
    const hooks = await fetch(`${gateway.url}/v1/webhooks`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(hooks.status).toBe(403);
  });

  it("a webhooks:read key lists webhooks but cannot read contacts", async () => {
    const key = await gateway.key(account.id, ["webhooks:read"]);
    const hooks = await fetch(`${gateway.url}/v1/webhooks`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(hooks.status).toBe(200);
    const read = await fetch(`${gateway.url}/v1/contacts/${contactId}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(read.status).toBe(403);
  });
});
