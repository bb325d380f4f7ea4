import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueKey } from "../../../src/domain/accounts/keys.js";
import { runCli } from "../../helpers/cli.js";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";

// Sandbox keys: the same API over the same account, at the same base URL; what they create says
// so, on every surface that shows it.

let gateway: TestGateway;
let account: { id: string; sid: string; key: string };

beforeAll(async () => {
  gateway = await startTestGateway();
  account = await gateway.account();
});
afterAll(async () => {
  await gateway?.close();
});

function createContact(key: string, email: string) {
  return fetch(`${gateway.url}/v1/contacts`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ email }),
  });
}

async function storedSandbox(email: string): Promise<boolean | undefined> {
  const row = await gateway.database.db
    .selectFrom("subscribers")
    .select("sandbox")
    .where("account_id", "=", account.id)
    .where("email", "=", email)
    .executeTakeFirst();
  return row?.sandbox;
}

describe("keys create --sandbox", () => {
  it("issues a sandbox key that keys list shows; its contacts are flagged, a live key's are not", async () => {
    const created = await runCli(
      gateway.database.url,
      "keys",
      "create",
      "--account",
      account.sid,
      "--sandbox",
      "--label",
      "try-it",
      "--json",
    );
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const issued = JSON.parse(created.stdout) as {
      apiKey: string;
      key: { id: string; sandbox: boolean };
    };
    expect(issued.key.sandbox).toBe(true);

    const [listedJson, listedText] = await Promise.all([
      runCli(gateway.database.url, "keys", "list", "--account", account.sid, "--json"),
      runCli(gateway.database.url, "keys", "list", "--account", account.sid),
    ]);
    const { keys } = JSON.parse(listedJson.stdout) as {
      keys: { id: string; label: string | null; sandbox: boolean }[];
    };
    expect(keys.map((key) => [key.label, key.sandbox])).toEqual([
      [null, false],
      ["try-it", true],
    ]);
    const [header, ...rows] = listedText.stdout.trim().split("\n");
    expect(header).toMatch(/^ID\s+LABEL\s+SANDBOX\s+CREATED/);
    expect(rows.find((row) => row.startsWith(issued.key.id))).toMatch(/try-it\s+yes\s/);
    expect(rows.find((row) => !row.startsWith(issued.key.id))).toMatch(/-\s+no\s/);

    // The same base URL, the sandbox key: the same API, over the same account.
    const sandboxed = await createContact(issued.apiKey, "sandboxed@example.com");
    expect(sandboxed.status).toBe(201);
    const contact = (await sandboxed.json()) as { id: string; sandbox: boolean };
    expect(contact.sandbox).toBe(true);
    const live = await createContact(account.key, "live@example.com");
    expect(((await live.json()) as { sandbox: boolean }).sandbox).toBe(false);
    expect(await storedSandbox("sandboxed@example.com")).toBe(true);
    expect(await storedSandbox("live@example.com")).toBe(false);

    // The live key sees the sandbox's contact (one account), flagged.
    const seen = await fetch(`${gateway.url}/v1/contacts/${contact.id}`, {
      headers: { authorization: `Bearer ${account.key}` },
    });
    expect(seen.status).toBe(200);
    expect(await seen.json()).toMatchObject({ email: "sandboxed@example.com", sandbox: true });
  }, 60_000);
});

describe("GraphQL createApiKey(input: { sandbox: true })", () => {
  it("issues a sandbox key; ApiKey.sandbox and Subscriber.sandbox show the flags", async () => {
    const created = await gateway.graphql<{
      createApiKey: { secret: string; apiKey: { id: string; sandbox: boolean } };
    }>(
      `mutation { createApiKey(input: { sandbox: true, scopes: ["contacts:write"] }) {
        ... on CreateApiKeyPayload { secret apiKey { id sandbox } } } }`,
      {},
      account.key,
    );
    expect(created.errors).toBeUndefined();
    const { secret, apiKey } = created.data?.createApiKey ?? { secret: "", apiKey: null };
    expect(apiKey?.sandbox).toBe(true);

    const keys = await gateway.graphql<{
      viewer: { account: { apiKeys: { id: string; sandbox: boolean }[] } };
    }>("{ viewer { account { apiKeys { id sandbox } } } }", {}, account.key);
    expect(keys.data?.viewer.account.apiKeys.find((key) => key.id === apiKey?.id)?.sandbox).toBe(
      true,
    );
    expect(keys.data?.viewer.account.apiKeys.filter((key) => !key.sandbox).length).toBe(1);

    // Through GraphQL with the sandbox key, and through /v1: both flagged.
    const made = await gateway.graphql<{
      createSubscriber: { subscriber: { email: string; sandbox: boolean } };
    }>(
      `mutation { createSubscriber(input: { email: "graphql-sandbox@example.com" }) {
        ... on CreateSubscriberPayload { subscriber { email sandbox } } } }`,
      {},
      secret,
    );
    expect(made.data?.createSubscriber.subscriber).toEqual({
      email: "graphql-sandbox@example.com",
      sandbox: true,
    });
    expect((await createContact(secret, "rest-sandbox@example.com")).status).toBe(201);

    const listed = await gateway.graphql<{
      subscribers: { edges: { node: { email: string; sandbox: boolean } }[] };
    }>(
      `{ subscribers(first: 20, filter: { search: "sandbox" }) {
        edges { node { email sandbox } } } }`,
      {},
      account.key,
    );
    const flags = Object.fromEntries(
      listed.data?.subscribers.edges.map((edge) => [edge.node.email, edge.node.sandbox]) ?? [],
    );
    expect(flags).toMatchObject({
      "graphql-sandbox@example.com": true,
      "rest-sandbox@example.com": true,
      "sandboxed@example.com": true,
    });
  });

  it("without the field, a key is live", async () => {
    const created = await gateway.graphql<{
      createApiKey: { apiKey: { sandbox: boolean } };
    }>(
      `mutation { createApiKey(input: { label: "live" }) {
        ... on CreateApiKeyPayload { apiKey { sandbox } } } }`,
      {},
      account.key,
    );
    expect(created.data?.createApiKey.apiKey.sandbox).toBe(false);
  });
});

describe("nothing a sandbox key causes leaves the system", () => {
  it("a double opt-in through mailtrain with a sandbox key waits unmailed; a live key's is mailed", async () => {
    const list = await gateway.graphql<{ createList: { list: { id: string } } }>(
      `mutation { createList(input: { name: "Sandboxed news" }) {
        ... on CreateListPayload { list { id } } } }`,
      {},
      account.key,
    );
    const globalId = list.data?.createList.list.id as string;
    const cid = Buffer.from(globalId, "base64").toString().split(":")[1];
    const sandboxKey = (await issueKey(gateway.database.db, account.id, { sandbox: true })).secret;
    const mails = async () => {
      const { rows } = await gateway.database.pool.query<{ n: number }>(
        "select count(*)::int as n from graphile_worker.jobs where task_identifier = 'send-mail'",
      );
      return rows[0].n;
    };
    const subscribe = (key: string, email: string) =>
      fetch(`${gateway.url}/api/subscribe/${cid}?access_token=${key}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ EMAIL: email, REQUIRE_CONFIRMATION: "yes" }).toString(),
      });

    const before = await mails();
    const sandboxed = await subscribe(sandboxKey, "sandbox-optin@example.com");
    expect(sandboxed.status).toBe(200);
    expect(await mails()).toBe(before);
    const pending = await gateway.database.db
      .selectFrom("subscription_confirmations")
      .select("email")
      .where("account_id", "=", account.id)
      .execute();
    expect(pending.map((row) => row.email)).toContain("sandbox-optin@example.com");

    const live = await subscribe(account.key, "live-optin@example.com");
    expect(live.status).toBe(200);
    expect(await mails()).toBe(before + 1);
  });
});
