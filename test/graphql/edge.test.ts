import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAudience } from "../../bench/seed.js";
import { createAccount } from "../../src/domain/accounts/accounts.js";
import { issueKey, revokeKey } from "../../src/domain/accounts/keys.js";
import { plannedDocumentStats } from "../../src/graphql/planned-documents.js";
import { type LoggedApp, startLoggedApp } from "../helpers/logged-app.js";
import { SUBSCRIBER_FIELDS } from "./subscribers-fixtures.js";

// A document a compiled plan answered once is answered the next time at the HTTP edge
// (src/http/planned-edge.ts), without yoga. Whoever asks sees no difference: the same body,
// status, content type and headers, the same refusals for a key without a scope (every time,
// not only the first), for a revoked key and for variables of the wrong type.

let app: LoggedApp;
let accountId: string;
let fullKey: string;

// The side-by-side page (../shared/peer-bench/project-query.graphql), with its size a variable.
const PAGE = `query SubscribersPage($first: Int!) {
  subscribers(first: $first) {
    edges {
      node {
        id
        email
        firstName
        lastName
        tags { name }
        subscriptions { status list { name } }
      }
    }
  }
}`;
// Every field a plan knows, with aliases, fragments, __typename, cursors, counts, custom values.
const EVERYTHING = `query Everything($first: Int!) {
  subscribers(first: $first) {
    __typename
    count: totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { ...S } }
  }
}
${SUBSCRIBER_FIELDS}`;
const NODE =
  "query One($id: ID!) { node(id: $id) { id ... on Subscriber { email firstName lastName } } }";

interface Answer {
  status: number;
  contentType: string | null;
  headerNames: string[];
  requestId: string | null;
  text: string;
}

/** A POST by node:http, which sends only the headers given (fetch would add an Accept). */
function post(
  body: Record<string, unknown>,
  key: string | null,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${app.url}/graphql`,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...headers,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: response.headers["content-type"] ?? null,
            headerNames: Object.keys(response.headers)
              .filter((name) => name !== "date")
              .sort(),
            requestId: (response.headers["x-request-id"] as string | undefined) ?? null,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(JSON.stringify(body));
  });
}

/** The answer and whether the edge gave it. */
async function observed(
  body: Record<string, unknown>,
  key: string | null,
  headers: Record<string, string> = {},
) {
  const before = plannedDocumentStats.answered;
  const answer = await post(body, key, headers);
  return { answer, atTheEdge: plannedDocumentStats.answered - before === 1 };
}

/** What the client compares: all but the request id, which is new each time. */
const seen = ({ requestId: _id, ...rest }: Answer) => rest;

let subscriberId: string;
let documentNumber = 0;
/** A document text of its own (a comment differs), so its first request is yoga's. */
const fresh = (query: string) => `# ${++documentNumber}\n${query}`;

beforeAll(async () => {
  app = await startLoggedApp();
  const { account, secret } = await createAccount(app.database.db, {
    name: "edge",
    ownerEmail: "owner@example.com",
  });
  accountId = account.id;
  fullKey = secret;
  await seedAudience(app.database.db, accountId, 60);
  const first = await post(
    { query: "{ subscribers(first: 1) { edges { node { id } } } }" },
    fullKey,
  );
  subscriberId = JSON.parse(first.text).data.subscribers.edges[0].node.id;
});
afterAll(() => app.close());

/** Each document, its variables, and the scopes it needs. */
const DOCUMENTS = [
  [
    "the side-by-side page",
    PAGE,
    () => ({ first: 50 }),
    ["subscribers:read", "tags:read", "lists:read"],
  ],
  ["node(id:)", NODE, () => ({ id: subscriberId }), ["subscribers:read"]],
  [
    "every field a plan knows",
    EVERYTHING,
    () => ({ first: 30 }),
    ["subscribers:read", "tags:read", "lists:read", "fields:read"],
  ],
] as const;

describe.each(DOCUMENTS)("%s", (_name, query, variables, needs: readonly string[]) => {
  it.each([
    ["no Accept", {}],
    ["Accept: */*", { accept: "*/*" }],
    ["Accept: application/json", { accept: "application/json" }],
    ["Accept: application/graphql-response+json", { accept: "application/graphql-response+json" }],
  ])(
    "is answered at the edge the second time, byte for byte as the first (%s)",
    async (_accept, headers) => {
      const body = { query: fresh(query), variables: variables() };
      const first = await observed(body, fullKey, headers);
      expect(first.atTheEdge, "the first request goes through yoga").toBe(false);
      expect(first.answer.status, first.answer.text).toBe(200);
      expect(first.answer.text).not.toContain('"errors"');
      for (let request = 0; request < 3; request++) {
        const again = await observed(body, fullKey, headers);
        expect(again.atTheEdge, "answered at the edge").toBe(true);
        expect(seen(again.answer)).toEqual(seen(first.answer));
        expect(again.answer.requestId).toMatch(/^[0-9a-f-]{36}$/);
        expect(again.answer.requestId).not.toBe(first.answer.requestId);
      }
      // The same request through yoga (extensions, even empty, are left to it) agrees too.
      const normal = await observed({ ...body, extensions: {} }, fullKey, headers);
      expect(normal.atTheEdge).toBe(false);
      expect(seen(normal.answer)).toEqual(seen(first.answer));
    },
  );

  it("keeps the caller's X-Request-Id and logs the request as the app does", async () => {
    const body = { query: fresh(query), variables: variables() };
    await post(body, fullKey);
    const answered = await observed(body, fullKey, { "x-request-id": "edge-test-1" });
    expect(answered.atTheEdge).toBe(true);
    expect(answered.answer.requestId).toBe("edge-test-1");
    const line = app.lines.find((entry) => entry.requestId === "edge-test-1");
    expect(line).toMatchObject({ msg: "request", method: "POST", path: "/graphql", status: 200 });
    expect(typeof (line as { ms?: unknown }).ms).toBe("number");
  });

  it("refuses a key without a scope the document needs, the same way every time", async () => {
    const body = { query: fresh(query), variables: variables() };
    await post(body, fullKey);
    const scopes = ["subscribers:read", "tags:read", "lists:read", "fields:read"];
    for (const missing of scopes) {
      const key = (
        await issueKey(app.database.db, accountId, {
          scopes: scopes.filter((scope) => scope !== missing),
        })
      ).secret;
      const first = await observed(body, key);
      if (!needs.includes(missing)) {
        // A key with every scope the document needs: the edge answers it from the first.
        expect(first.answer.status, missing).toBe(200);
        expect(first.atTheEdge, missing).toBe(true);
        continue;
      }
      expect(first.answer.text, missing).toContain("FORBIDDEN");
      for (let request = 0; request < 3; request++) {
        const again = await observed(body, key);
        expect(again.atTheEdge, missing).toBe(false);
        expect(seen(again.answer)).toEqual(seen(first.answer));
      }
    }
  });

  it("refuses a revoked key", async () => {
    const body = { query: fresh(query), variables: variables() };
    const issued = await issueKey(app.database.db, accountId, {});
    await post(body, issued.secret);
    expect((await observed(body, issued.secret)).atTheEdge).toBe(true);
    await revokeKey(app.database.db, accountId, issued.key.public_id);
    const refused = await observed(body, issued.secret);
    expect(refused.atTheEdge).toBe(false);
    expect(refused.answer.status).toBe(401);
    expect(JSON.parse(refused.answer.text).errors[0].extensions.code).toBe("UNAUTHENTICATED");
  });
});

it("gives the normal error for variables of the wrong type", async () => {
  const query = fresh(PAGE);
  await post({ query, variables: { first: 5 } }, fullKey);
  expect((await observed({ query, variables: { first: 5 } }, fullKey)).atTheEdge).toBe(true);
  for (const wrong of [{ first: "five" }, { first: null }, {}, { first: 5.5 }]) {
    const answer = await observed({ query, variables: wrong }, fullKey);
    expect(answer.atTheEdge, JSON.stringify(wrong)).toBe(false);
    expect(answer.answer.status, answer.answer.text).toBe(400);
    expect(JSON.parse(answer.answer.text).errors[0].extensions.code).toBe("BAD_USER_INPUT");
    const normal = await post({ query, variables: wrong, extensions: {} }, fullKey);
    expect(seen(answer.answer)).toEqual(seen(normal));
  }
  const tooMany = await observed({ query, variables: { first: 101 } }, fullKey);
  expect(tooMany.atTheEdge).toBe(false);
  expect(tooMany.answer.text).toContain('"errors"');
});

it("runs the designed statements: the page with its tags and the subscriptions (2), a node (1)", async () => {
  for (const [query, variables, expected] of [
    [PAGE, { first: 50 }, 2],
    [NODE, { id: subscriberId }, 1],
  ] as const) {
    const body = { query: fresh(query), variables };
    await post(body, fullKey);
    app.database.statements.reset();
    const answered = await observed(body, fullKey);
    expect(answered.atTheEdge).toBe(true);
    const statements = app.database.statements.all();
    expect(statements.map((statement) => statement.sql)).toHaveLength(expected);
    for (const statement of statements) {
      expect(statement.sql).toMatch(/account_id"? = \$1/);
      expect(statement.parameters[0]).toBe(accountId);
    }
  }
});
