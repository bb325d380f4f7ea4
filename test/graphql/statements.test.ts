import { afterAll, beforeAll, expect, it } from "vitest";
import { seedAudience } from "../../bench/seed.js";
import type { DB } from "../../src/db/database.js";
import type { RecordedStatement } from "../helpers/database.js";
import { startTestGateway, type TestGateway } from "../helpers/server.js";

// No N+1: a page of subscribers with their tags, their lists with each subscription's status, and
// their typed custom values costs the same few statements whatever the page size.
// Tenant isolation at the SQL level: every statement a request runs compares `account_id` with
// the request's account, so a loader that forgot the filter fails here, whatever the data.

const PAGE = `query Page($first: Int!) {
  subscribers(first: $first) {
    edges { node {
      email
      tags { name }
      subscriptions { status list { name } }
      customValues {
        field { name type }
        ... on StringCustomValue { text: value }
        ... on NumberCustomValue { number: value }
        ... on DropdownCustomValue { option: value }
      }
    } }
  }
}`;

// Every kind of read the schema offers, nested: connections and their counts, loaders of lists,
// tags, subscriptions, custom values and import errors, and node ids.
const NESTED = `query Nested($ids: [ID!]!) {
  lists(first: 3, filter: { search: "List" }) {
    totalCount
    edges { node {
      name
      subscriberCount
      subscribers(first: 4, status: SUBSCRIBED) {
        totalCount
        edges {
          subscription { status list { name } }
          node {
            email
            tags { name }
            subscriptions { status list { name subscriberCount } }
            customValues { field { name } ... on StringCustomValue { text: value } }
          }
        }
      }
    } }
  }
  subscribers(first: 3, filter: { search: "person1" }) { totalCount edges { node { email } } }
  campaigns(first: 5) {
    totalCount
    edges { node { name lists { name subscriberCount } tags { name } } }
  }
  customFields(first: 5) { totalCount edges { node { name type } } }
  tags(first: 5, filter: { search: "tag-1" }) { totalCount edges { node { name } } }
  blocklist(first: 5) { totalCount edges { node { email } } }
  imports(first: 5) {
    totalCount
    edges { node { status list { name } errors(first: 5) { totalCount edges { node { row message } } } } }
  }
  nodes(ids: $ids) { id __typename }
}`;

let gateway: TestGateway;
let key: string;
let accountId: string;
let neighbourId: string;

/** Campaigns to two of the account's lists and tags, a blocklist entry, an import with an error. */
async function seedTheRest(db: DB, account: string): Promise<void> {
  const lists = await db
    .selectFrom("lists")
    .select("id")
    .where("account_id", "=", account)
    .orderBy("id")
    .limit(2)
    .execute();
  const tags = await db
    .selectFrom("tags")
    .select("id")
    .where("account_id", "=", account)
    .orderBy("id")
    .limit(2)
    .execute();
  await db
    .insertInto("campaigns")
    .values(
      ["Spring", "Summer"].map((name) => ({
        account_id: account,
        name,
        list_ids: lists.map((list) => list.id),
        tag_ids: tags.map((tag) => tag.id),
      })),
    )
    .execute();
  await db
    .insertInto("blocklist")
    .values({ account_id: account, email: "blocked@example.com" })
    .execute();
  const { id: importId } = await db
    .insertInto("imports")
    .values({
      account_id: account,
      status: "completed",
      source: "graphql",
      list_id: lists[0].id,
      total: 2,
      processed: 2,
      created: 1,
      invalid: 1,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db
    .insertInto("import_errors")
    .values({ account_id: account, import_id: importId, row_number: 2, message: "not an email" })
    .execute();
}

beforeAll(async () => {
  gateway = await startTestGateway();
  // A neighbour with the same audience: a statement without the account filter would see it.
  const neighbour = await gateway.account("neighbour");
  neighbourId = neighbour.id;
  await seedAudience(gateway.database.db, neighbour.id, 30);
  await seedTheRest(gateway.database.db, neighbour.id);
  const account = await gateway.account("statements");
  key = account.key;
  accountId = account.id;
  await seedAudience(gateway.database.db, account.id, 60);
  await seedTheRest(gateway.database.db, account.id);
});
afterAll(() => gateway.close());

/** The key lookup finds the account by the key's digest: it runs before any account is known. */
function isKeyLookup(statement: RecordedStatement): boolean {
  return /"api_keys"/.test(statement.sql) && /"digest"/.test(statement.sql);
}

/** The values a statement compares `account_id` with (`account_id = $n`, any table alias). */
function accountFilters(statement: RecordedStatement): unknown[] {
  return [...statement.sql.matchAll(/account_id"?\s*=\s*\$(\d+)/g)].map(
    (match) => statement.parameters[Number(match[1]) - 1],
  );
}

/** Runs a query twice (the first also looks its key up) and records the second. */
async function record<T>(query: string, variables: Record<string, unknown>) {
  await gateway.graphql(query, variables, key);
  gateway.database.statements.reset();
  const response = await gateway.graphql<T>(query, variables, key);
  expect(response.errors).toBeUndefined();
  const all = gateway.database.statements.all();
  return { all, statements: all.filter((s) => !isKeyLookup(s)), data: response.data as T };
}

/** Every statement that does not compare `account_id` with the request's account. */
function unscoped(statements: RecordedStatement[]): string[] {
  return statements
    .filter((statement) => !accountFilters(statement).includes(accountId))
    .map((statement) => `${statement.sql}  -- ${JSON.stringify(statement.parameters)}`);
}

async function statementsFor(first: number) {
  const { all, statements, data } = await record<{
    subscribers: {
      edges: {
        node: {
          tags: { name: string }[];
          subscriptions: { status: string; list: { name: string } }[];
          customValues: { field: { name: string } }[];
        };
      }[];
    };
  }>(PAGE, { first });
  return {
    count: all.length,
    statements,
    sql: all.map((statement) => statement.sql),
    edges: data.subscribers.edges,
  };
}

it("loads 50 nested subscribers in as many statements as 5, at most 5", async () => {
  const five = await statementsFor(5);
  const fifty = await statementsFor(50);

  expect(five.edges).toHaveLength(5);
  expect(fifty.edges).toHaveLength(50);
  for (const { node } of fifty.edges) {
    expect(node.tags).toHaveLength(3);
    expect(node.subscriptions).toHaveLength(2);
    expect(
      node.subscriptions.every(
        (subscription) =>
          subscription.status === "SUBSCRIBED" && subscription.list.name.startsWith("List "),
      ),
    ).toBe(true);
    expect(node.customValues.map((value) => value.field.name).sort()).toEqual([
      "Age",
      "City",
      "Plan",
    ]);
  }
  expect(fifty.count).toBe(five.count);
  expect(fifty.count).toBeLessThanOrEqual(5);
  console.info(
    `statements for a nested page: 5 subscribers → ${five.count}, 50 subscribers → ${fifty.count}\n${fifty.sql.join("\n")}`,
  );
});

it("filters every statement of the subscriber page by the request's account", async () => {
  const { statements } = await statementsFor(50);

  expect(statements.length).toBeGreaterThanOrEqual(3);
  expect(unscoped(statements)).toEqual([]);
  for (const statement of statements) {
    expect(accountFilters(statement)).not.toContain(neighbourId);
  }
});

it("filters every statement of a request that reads everything nested by the request's account", async () => {
  const ids = await gateway.graphql<{
    lists: { edges: { node: { id: string } }[] };
    subscribers: { edges: { node: { id: string } }[] };
    tags: { edges: { node: { id: string } }[] };
    campaigns: { edges: { node: { id: string } }[] };
    customFields: { edges: { node: { id: string } }[] };
    blocklist: { edges: { node: { id: string } }[] };
    imports: { edges: { node: { id: string } }[] };
  }>(
    `{ lists(first: 1) { edges { node { id } } } subscribers(first: 1) { edges { node { id } } }
       tags(first: 1) { edges { node { id } } } campaigns(first: 1) { edges { node { id } } }
       customFields(first: 1) { edges { node { id } } } blocklist(first: 1) { edges { node { id } } }
       imports(first: 1) { edges { node { id } } } }`,
    {},
    key,
  );
  expect(ids.errors).toBeUndefined();
  const nodeIds = Object.values(ids.data ?? {}).map((connection) => connection.edges[0].node.id);
  expect(nodeIds).toHaveLength(7);

  const { statements, data } = await record<{
    lists: {
      totalCount: number;
      edges: { node: { subscribers: { totalCount: number; edges: unknown[] } } }[];
    };
    campaigns: { edges: { node: { lists: unknown[]; tags: unknown[] } }[] };
    imports: { edges: { node: { errors: { totalCount: number; edges: unknown[] } } }[] };
    nodes: ({ __typename: string } | null)[];
  }>(NESTED, { ids: nodeIds });

  // The request read what it was meant to, so the statements below are the ones that matter.
  expect(data.lists.totalCount).toBe(10);
  expect(data.lists.edges).toHaveLength(3);
  for (const { node } of data.lists.edges) expect(node.subscribers.edges.length).toBeGreaterThan(0);
  expect(data.campaigns.edges.map(({ node }) => [node.lists.length, node.tags.length])).toEqual([
    [2, 2],
    [2, 2],
  ]);
  expect(data.imports.edges[0].node.errors.totalCount).toBe(1);
  expect(data.imports.edges[0].node.errors.edges).toHaveLength(1);
  expect(data.nodes.map((node) => node?.__typename)).toEqual([
    "List",
    "Subscriber",
    "Tag",
    "Campaign",
    "CustomField",
    "BlocklistEntry",
    "Import",
  ]);

  expect(statements.length).toBeGreaterThanOrEqual(20);
  expect(unscoped(statements)).toEqual([]);
  for (const statement of statements) {
    expect(accountFilters(statement)).not.toContain(neighbourId);
  }
  console.info(
    `statements for the nested request: ${statements.length}\n${statements.map((s) => s.sql).join("\n")}`,
  );
});
