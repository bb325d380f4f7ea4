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
