import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAudience } from "../../bench/seed.js";
import { issueKey } from "../../src/domain/accounts/keys.js";
import { compiledStats } from "../../src/graphql/compiled.js";
import { createGraphQLServer } from "../../src/graphql/server.js";
import { identify } from "../../src/http/auth.js";
import { domainContextOf } from "../../src/http/deps.js";
import { jobs } from "../../src/jobs/queue.js";
import { createLogger } from "../../src/log.js";
import { startTestGateway, type TestGateway } from "../helpers/server.js";
import { SUBSCRIBER_FIELDS } from "./subscribers-fixtures.js";

// Compiled plans (src/graphql/compiled.ts) answer some documents without graphql-js. Each
// document below is sent to the gateway (plans on) and to a yoga server with plans off, with the
// same key: the two responses must be equal byte for byte, status included, for a key with every
// read scope, for a key without each scope a plan needs, and for no key at all.

let gateway: TestGateway;
let accountId: string;
let fullKey: string;
const log = createLogger("silent");
const normal = createGraphQLServer(log, { compiledPlans: false });

const READ_SCOPES = ["subscribers:read", "tags:read", "lists:read", "fields:read"];

interface Answer {
  status: number;
  text: string;
}

async function planned(query: string, variables: unknown, key: string | null): Promise<Answer> {
  const response = await fetch(`${gateway.url}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, text: await response.text() };
}

async function executed(query: string, variables: unknown, key: string | null): Promise<Answer> {
  const identity = await identify(gateway.database.db, key ? `Bearer ${key}` : undefined);
  if (identity.kind === "invalid") throw new Error(identity.reason);
  const domain =
    identity.kind === "key"
      ? domainContextOf({ db: gateway.database.db, jobs, log }, identity, log)
      : null;
  const response = await normal.fetch(
    new Request("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    }),
    { domain, log },
  );
  return { status: response.status, text: await response.text() };
}

/** Documents a plan answers (when the key has the scopes), with their variables. */
const PLANNED: [string, string, () => unknown][] = [
  [
    "the side-by-side page",
    `query SubscribersPage { subscribers(first: 50) { edges { node {
      id email firstName lastName tags { name } subscriptions { status list { name } } } } } }`,
    () => ({}),
  ],
  [
    "npm run bench's page",
    `query Page($first: Int!) { subscribers(first: $first) {
      edges { node {
        id email firstName lastName status
        tags { id name }
        subscriptions { status statusChangedAt list { id name } }
        customValues { field { id name } ... on StringCustomValue { text: value }
          ... on NumberCustomValue { number: value } ... on DropdownCustomValue { option: value } }
      } }
      pageInfo { endCursor hasNextPage } } }`,
    () => ({ first: 50 }),
  ],
  [
    "every field, aliases, fragments, __typename, totalCount",
    `query Everything($n: Int) { __typename
      a: subscribers(first: $n) { __typename totalCount
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor __typename }
        edges { cursor __typename node { ...S ... on Subscriber { e2: email id } } } } }
    ${SUBSCRIBER_FIELDS}`,
    () => ({ n: 7 }),
  ],
  [
    "the same key twice, merged",
    `{ subscribers(first: 3) { edges { node { email } } edges { node { tags { name } email } cursor } } }`,
    () => ({}),
  ],
  [
    "the default page size",
    "{ subscribers { totalCount edges { node { email } } pageInfo { endCursor } } }",
    () => ({}),
  ],
  [
    "after a cursor",
    `query($after: String) { subscribers(first: 5, after: $after) {
      edges { cursor node { email } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
    () => ({ after: cursors[4] }),
  ],
  [
    "last before a cursor",
    `query($before: String) { subscribers(last: 3, before: $before) {
      edges { cursor node { email } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
    () => ({ before: cursors[10] }),
  ],
  [
    "an empty page",
    `{ subscribers(first: 5, filter: { search: "nobody-at-all" }) { totalCount
      edges { node { email } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
    () => ({}),
  ],
  [
    "first: 0",
    "{ subscribers(first: 0) { edges { node { email } } pageInfo { hasNextPage endCursor } } }",
    () => ({}),
  ],
  [
    "a filter in variables",
    `query($filter: SubscriberFilter) { subscribers(first: 20, filter: $filter) {
      totalCount edges { node { email tags { name } } } } }`,
    () => ({ filter: { tagId: tagId, status: "ACTIVE", createdAfter: "2000-01-01T00:00:00Z" } }),
  ],
  [
    "nulls and every custom value type",
    `query($filter: SubscriberFilter) { subscribers(first: 5, filter: $filter) { edges { node { ...S } } } }
    ${SUBSCRIBER_FIELDS}`,
    () => ({ filter: { search: "sparse" } }),
  ],
  [
    "node(id:) of a subscriber",
    `query One($id: ID!) { node(id: $id) { id __typename ... on Subscriber { email firstName
      tags { name } subscriptions { list { name } } customValues { field { name } } } } }`,
    () => ({ id: subscriberIds[0] }),
  ],
  [
    "node(id:) of nobody",
    "query One($id: ID!) { node(id: $id) { id ... on Subscriber { email } } }",
    () => ({ id: Buffer.from(`Subscriber:${"0".repeat(32)}`).toString("base64") }),
  ],
];

/** Documents a plan leaves to graphql-js, or hands back to it at run time (errors, other types). */
const NOT_PLANNED: [string, string, () => unknown][] = [
  ["a page too large", "{ subscribers(first: 101) { edges { node { email } } } }", () => ({})],
  [
    "a cursor never issued",
    '{ subscribers(first: 2, after: "bm9wZQ") { edges { node { email } } } }',
    () => ({}),
  ],
  [
    "a variable of the wrong type",
    "query($n: Int) { subscribers(first: $n) { edges { node { email } } } }",
    () => ({ n: "many" }),
  ],
  [
    "a directive",
    "query($b: Boolean!) { subscribers(first: 2) { edges { node { email @include(if: $b) } } } }",
    () => ({ b: false }),
  ],
  [
    "node(id:) of a tag",
    "query One($id: ID!) { node(id: $id) { id ... on Tag { name } } }",
    () => ({ id: tagId }),
  ],
  ["node(id:) of no id", 'query { node(id: "nope") { id } }', () => ({})],
  [
    "a filter id of another type",
    "query($f: SubscriberFilter) { subscribers(first: 2, filter: $f) { edges { node { email } } } }",
    () => ({ f: { listId: tagId } }),
  ],
  [
    "a field without a plan",
    "{ subscribers(first: 2) { edges { node { email subscriptions { list { subscriberCount } } } } } }",
    () => ({}),
  ],
];

let cursors: string[] = [];
let subscriberIds: string[] = [];
let tagId = "";
/** A key per read scope left out. */
const keysWithout: Record<string, string> = {};

beforeAll(async () => {
  gateway = await startTestGateway();
  const account = await gateway.account("compiled");
  accountId = account.id;
  fullKey = account.key;
  await seedAudience(gateway.database.db, accountId, 40);
  // A subscriber with nothing but an email, and one with a value of every custom field type.
  for (const type of ["BOOLEAN", "DATE"]) {
    const created = await gateway.graphql(
      `mutation { createCustomField(input: { name: "${type}", type: ${type} }) { __typename } }`,
      {},
      fullKey,
    );
    expect(created.data).toEqual({ createCustomField: { __typename: "CreateCustomFieldPayload" } });
  }
  const fields = await gateway.graphql<{
    customFields: { edges: { node: { id: string; name: string } }[] };
  }>("{ customFields(first: 10) { edges { node { id name } } } }", {}, fullKey);
  const fieldId = (name: string) =>
    fields.data?.customFields.edges.find((edge) => edge.node.name === name)?.node.id;
  const values = { BOOLEAN: true, DATE: "2020-01-02", City: "Lyon", Age: 42.5, Plan: "pro" };
  for (const [query, variables] of [
    ['mutation { createSubscriber(input: { email: "sparse-1@example.com" }) { __typename } }', {}],
    [
      `mutation($values: [CustomValueInput!]) { createSubscriber(input: {
        email: "sparse-2@example.com", firstName: "Full", phone: "+33 1", timezone: "Europe/Paris",
        birthday: "1990-02-03", company: "Acme", customValues: $values }) { __typename } }`,
      {
        values: Object.entries(values).map(([name, value]) => ({ fieldId: fieldId(name), value })),
      },
    ],
  ] as const) {
    const created = await gateway.graphql(query, variables, fullKey);
    expect(created.data).toEqual({ createSubscriber: { __typename: "CreateSubscriberPayload" } });
  }
  // One made through a sandbox key (the flag is all that differs), so both values are shown.
  const sandboxKey = (await issueKey(gateway.database.db, accountId, { sandbox: true })).secret;
  const sandboxed = await gateway.graphql(
    'mutation { createSubscriber(input: { email: "sparse-3@example.com" }) { __typename } }',
    {},
    sandboxKey,
  );
  expect(sandboxed.data).toEqual({ createSubscriber: { __typename: "CreateSubscriberPayload" } });
  const page = await gateway.graphql<{
    subscribers: { edges: { cursor: string; node: { id: string } }[] };
    tags: { edges: { node: { id: string } }[] };
  }>(
    "{ subscribers(first: 20) { edges { cursor node { id } } } tags(first: 1) { edges { node { id } } } }",
    {},
    fullKey,
  );
  cursors = page.data?.subscribers.edges.map((edge) => edge.cursor) ?? [];
  subscriberIds = page.data?.subscribers.edges.map((edge) => edge.node.id) ?? [];
  tagId = page.data?.tags.edges[0].node.id ?? "";
  for (const scope of READ_SCOPES) {
    keysWithout[scope] = await gateway.key(
      accountId,
      READ_SCOPES.filter((other) => other !== scope),
    );
  }
});
afterAll(() => gateway.close());

describe("compiled plans answer exactly what execution answers", () => {
  it.each(PLANNED)("%s", async (_name, query, variables) => {
    const before = compiledStats.planned;
    const answer = await planned(query, variables(), fullKey);
    expect(compiledStats.planned, "answered by a plan").toBe(before + 1);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.text).not.toContain('"errors"');
    expect(answer).toEqual(await executed(query, variables(), fullKey));
  });

  it.each(NOT_PLANNED)("%s", async (_name, query, variables) => {
    const before = compiledStats.planned;
    const answer = await planned(query, variables(), fullKey);
    expect(compiledStats.planned, "not answered by a plan").toBe(before);
    expect(answer).toEqual(await executed(query, variables(), fullKey));
  });

  it.each(PLANNED)(
    "%s, by a key without each scope and by no key",
    async (_name, query, variables) => {
      const before = compiledStats.planned;
      for (const scope of READ_SCOPES) {
        const answer = await planned(query, variables(), keysWithout[scope]);
        expect(answer, `without ${scope}`).toEqual(
          await executed(query, variables(), keysWithout[scope]),
        );
      }
      const anonymous = await planned(query, variables(), null);
      expect(anonymous).toEqual(await executed(query, variables(), null));
      // Each key lacks a scope some of these documents need; none lacks all of them.
      expect(compiledStats.planned - before).toBeLessThan(READ_SCOPES.length);
    },
  );

  it("refuses by scope exactly where execution does", async () => {
    const query = PLANNED[2][1];
    for (const scope of ["subscribers:read", "tags:read", "lists:read", "fields:read"]) {
      const answer = await planned(query, { n: 2 }, keysWithout[scope]);
      expect(answer.text, scope).toContain("FORBIDDEN");
    }
  });
});

it("the sparse subscribers reach the plan: nulls and every custom value type", async () => {
  const [, query, variables] = PLANNED.find(([name]) => name.startsWith("nulls")) ?? [];
  const answer = await planned(query as string, (variables as () => unknown)(), fullKey);
  for (const part of [
    '"email":"sparse-1@example.com","firstName":null',
    '"email":"sparse-3@example.com"',
    '"status":"ACTIVE","sandbox":true',
    '"status":"ACTIVE","sandbox":false',
    '"flag":true',
    '"date":"2020-01-02"',
    '"number":42.5',
    '"birthday":"1990-02-03"',
  ]) {
    expect(answer.text).toContain(part);
  }
});
