import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

describe("viewer and API keys", () => {
  it("shows the account of the key that asks", async () => {
    const { key, sid } = await gateway.account("acme");
    const response = await gateway.graphql<{ viewer: { account: { name: string; sid: string } } }>(
      "{ viewer { account { name sid } } }",
      {},
      key,
    );
    expect(response.status).toBe(200);
    expect(response.data?.viewer.account).toEqual({ name: "acme", sid });
  });

  it("refuses an unknown key with 401 and UNAUTHENTICATED", async () => {
    const response = await gateway.graphql("{ viewer { account { name } } }", {}, "0".repeat(40));
    expect(response.status).toBe(401);
    expect(response.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("creates a key shown once, stores only its digest, and revokes it", async () => {
    const { key, id } = await gateway.account("keys");
    const created = await gateway.graphql<{
      createApiKey: {
        __typename: string;
        secret: string;
        apiKey: { id: string; scopes: string[] };
      };
    }>(
      `mutation { createApiKey(input: { scopes: ["subscribers:read"], label: "ci" }) {
        __typename ... on CreateApiKeyPayload { secret apiKey { id scopes } } } }`,
      {},
      key,
    );
    expect(created.errors).toBeUndefined();
    const payload = created.data?.createApiKey;
    if (!payload) throw new Error("no payload");
    expect(payload.secret).toMatch(/^[0-9a-f]{40}$/);
    expect(payload.apiKey.scopes).toEqual(["subscribers:read"]);
    const stored = await gateway.database.db
      .selectFrom("api_keys")
      .select(["digest"])
      .where("account_id", "=", id)
      .execute();
    expect(stored.map((row) => row.digest.toString("hex"))).not.toContain(payload.secret);

    const ok = await gateway.graphql("{ viewer { scopes } }", {}, payload.secret);
    expect(ok.status).toBe(200);

    const revoked = await gateway.graphql(
      `mutation($id: ID!) { revokeApiKey(input: { id: $id }) { __typename } }`,
      { id: payload.apiKey.id },
      key,
    );
    expect(revoked.errors).toBeUndefined();
    const refused = await gateway.graphql("{ viewer { scopes } }", {}, payload.secret);
    expect(refused.status).toBe(401);
  });
});

describe("anonymous requests", () => {
  it("asks for a key instead of answering viewer with null", async () => {
    const response = await gateway.graphql("{ viewer { account { name } } }", {}, null);
    expect(response.status).toBe(401);
    expect(response.data?.viewer ?? null).toBeNull();
    expect(response.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
  });
});

describe("updateAccount", () => {
  const UPDATE = `mutation($input: UpdateAccountInput!) { updateAccount(input: $input) {
    __typename
    ... on UpdateAccountPayload { account { name ownerEmail } }
    ... on ValidationError { issues { path message } } } }`;

  it("sets the owner email that botamp's batch report goes to, at once", async () => {
    const { key } = await gateway.account("owner");
    const updated = await gateway.graphql(UPDATE, { input: { ownerEmail: "new@owner.test" } }, key);
    expect(updated.errors).toBeUndefined();
    expect(updated.data?.updateAccount).toEqual({
      __typename: "UpdateAccountPayload",
      account: { name: "owner", ownerEmail: "new@owner.test" },
    });
    // A key checked moments ago sees the new address: botamp names it as the report's recipient.
    const batch = await fetch(`${gateway.url}/api/subscribers/create_or_update_many`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ subscribers: [{ email: "row@example.com" }] }),
    });
    expect(batch.status).toBe(200);
    expect(await batch.json()).toMatchObject({ report_to: "new@owner.test" });

    const renamed = await gateway.graphql(UPDATE, { input: { name: " Owner Ltd " } }, key);
    expect(renamed.data?.updateAccount).toMatchObject({
      account: { name: "Owner Ltd", ownerEmail: "new@owner.test" },
    });
    const cleared = await gateway.graphql(UPDATE, { input: { ownerEmail: null } }, key);
    expect(cleared.data?.updateAccount).toMatchObject({
      account: { name: "Owner Ltd", ownerEmail: null },
    });
  });

  it("answers a ValidationError per bad field and changes nothing", async () => {
    const { key, id } = await gateway.account("strict");
    const refused = await gateway.graphql(UPDATE, { input: { name: "", ownerEmail: "nope" } }, key);
    expect(refused.data?.updateAccount).toEqual({
      __typename: "ValidationError",
      issues: [
        { path: ["input", "name"], message: "name is required" },
        { path: ["input", "ownerEmail"], message: '"nope" is not an email address' },
      ],
    });
    const stored = await gateway.database.db
      .selectFrom("accounts")
      .select(["name", "owner_email"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ name: "strict", owner_email: "owner@example.com" });
  });

  it("needs the admin scope", async () => {
    const { id } = await gateway.account("scoped");
    const key = await gateway.key(id, ["subscribers:write"]);
    const refused = await gateway.graphql(UPDATE, { input: { ownerEmail: "x@example.com" } }, key);
    expect(refused.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    const stored = await gateway.database.db
      .selectFrom("accounts")
      .select("owner_email")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(stored.owner_email).toBe("owner@example.com");
  });
});
