import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphqlLimits } from "../../src/graphql/server.js";
import { startTestGateway, type TestGateway } from "../helpers/server.js";

let gateway: TestGateway;
let key: string;
beforeAll(async () => {
  gateway = await startTestGateway();
  key = (await gateway.account()).key;
});
afterAll(() => gateway.close());

interface ErrorBody {
  data?: unknown;
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function post(
  body: string,
  headers: Record<string, string> = { authorization: `Bearer ${key}` },
): Promise<{ status: number; text: string; body: ErrorBody }> {
  const response = await fetch(`${gateway.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as ErrorBody };
}

const query = (source: string, variables?: Record<string, unknown>) =>
  post(JSON.stringify({ query: source, variables }));

/** A clear client error: 4xx, GraphQL's error format, a readable message, a code, no stack. */
function expectClientError(
  response: { status: number; text: string; body: ErrorBody },
  code: string,
  message: RegExp,
) {
  expect(response.status, response.text).toBeGreaterThanOrEqual(400);
  expect(response.status, response.text).toBeLessThan(500);
  const [error] = response.body.errors ?? [];
  expect(error?.extensions?.code, response.text).toBe(code);
  expect(error?.message).toMatch(message);
  expect(response.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
}

const nested = (depth: number): string =>
  depth === 0 ? "name" : `ofType { ${nested(depth - 1)} }`;

describe("query limits", () => {
  it("refuses a query nested too deep", async () => {
    const response = await query(`{ __type(name: "Query") { fields { type { ${nested(12)} } } } }`);
    expectClientError(response, "QUERY_TOO_DEEP", /^Query depth limit of 12 exceeded/);
  });

  it("refuses too many aliases", async () => {
    const aliases = Array.from(
      { length: graphqlLimits.maxAliases + 1 },
      (_, i) => `a${i}: viewer { scopes }`,
    );
    const response = await query(`{ ${aliases.join(" ")} }`);
    expectClientError(response, "TOO_MANY_ALIASES", /^Aliases limit of 15 exceeded/);
  });

  it("refuses too many tokens", async () => {
    const response = await query(`{ ${"__typename ".repeat(graphqlLimits.maxTokens + 1)} }`);
    expectClientError(response, "TOO_MANY_TOKENS", /^Token limit of 2000 exceeded/);
  });

  it("refuses a query that would cost too much", async () => {
    const page = `campaigns(first: 100) { totalCount edges { cursor node {
      id name channel subject body status scheduledAt createdAt updatedAt
      lists { id name subscriberCount } tags { id name } } } }`;
    const aliases = Array.from({ length: 10 }, (_, i) => `c${i}: ${page}`);
    const response = await query(`{ ${aliases.join(" ")} }`);
    expectClientError(response, "QUERY_TOO_COSTLY", /^Query Cost limit of 50000 exceeded/);
  });

  it("lets a full page of 100 with its nested lists and tags through", async () => {
    const response = await query(`{ campaigns(first: 100) { totalCount edges { cursor node {
      id name channel subject body status scheduledAt createdAt updatedAt
      lists { id name subscriberCount } tags { id name } } } pageInfo { hasNextPage endCursor } } }`);
    expect(response.status, response.text).toBe(200);
    expect(response.body.errors).toBeUndefined();
  });

  it("refuses a page larger than 100", async () => {
    const response = await query("{ blocklist(first: 101) { edges { node { email } } } }");
    expectClientError(response, "BAD_USER_INPUT", /at most 100/);
  });
});

describe("malformed requests", () => {
  it("refuses a body over 1 MB", async () => {
    const response = await post(
      JSON.stringify({ query: `{ __typename }`, variables: { pad: "x".repeat(1024 * 1024) } }),
    );
    expect(response.status).toBe(413);
    expectClientError(response, "PAYLOAD_TOO_LARGE", /1 MB/);
  });

  it("refuses broken JSON", async () => {
    expectClientError(await post('{"query": "{ __typename }"'), "BAD_REQUEST", /JSON/);
  });

  it("refuses a body that is not an object", async () => {
    for (const body of ["42", '"{ __typename }"', "null", "[]", "[1]"]) {
      const response = await post(body);
      expectClientError(response, "BAD_REQUEST", /./);
    }
  });

  it("refuses a request without a query", async () => {
    expectClientError(await post("{}"), "BAD_REQUEST", /query/i);
  });

  it("refuses an unknown field", async () => {
    const response = await query("{ viewer { account { nonsense } } }");
    expectClientError(response, "GRAPHQL_VALIDATION_FAILED", /nonsense/);
  });

  it("refuses a query that does not parse", async () => {
    expectClientError(await query("{ viewer { "), "GRAPHQL_PARSE_FAILED", /Syntax|Expected/);
  });

  it("refuses variables of the wrong type", async () => {
    const response = await query("query($first: Int) { blocklist(first: $first) { totalCount } }", {
      first: "ten",
    });
    expectClientError(response, "BAD_USER_INPUT", /\$first/);
  });
});

describe("API keys", () => {
  it("asks for a key when there is none", async () => {
    const response = await post(JSON.stringify({ query: "{ blocklist { totalCount } }" }), {});
    expectClientError(response, "UNAUTHENTICATED", /API key/);
  });

  it("refuses a malformed key, an unknown key and a revoked key", async () => {
    const { id, key: admin } = await gateway.account();
    const revoked = await gateway.key(id, ["blocklist:read"]);
    const row = await gateway.database.db
      .selectFrom("api_keys")
      .select("public_id")
      .where("account_id", "=", id)
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    const revoke = await post(
      JSON.stringify({
        query: "mutation($id: ID!) { revokeApiKey(input: { id: $id }) { __typename } }",
        variables: { id: encodeGlobalID("ApiKey", row.public_id) },
      }),
      { authorization: `Bearer ${admin}` },
    );
    expect(revoke.body.errors).toBeUndefined();
    for (const secret of ["short", "z".repeat(40), "0".repeat(40), revoked]) {
      const response = await post(JSON.stringify({ query: "{ blocklist { totalCount } }" }), {
        authorization: `Bearer ${secret}`,
      });
      expect(response.status).toBe(401);
      expectClientError(response, "UNAUTHENTICATED", /unknown or revoked/);
    }
  });

  it("refuses an Authorization header that is not Bearer", async () => {
    for (const authorization of [`Basic ${Buffer.from(`${key}:`).toString("base64")}`, key]) {
      const response = await post(JSON.stringify({ query: "{ __typename }" }), { authorization });
      expect(response.status).toBe(401);
      expectClientError(response, "UNAUTHENTICATED", /Bearer <key>/);
    }
  });
});
