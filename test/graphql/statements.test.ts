import { afterAll, beforeAll, expect, it } from "vitest";
import { seedAudience } from "../../bench/seed.js";
import { startTestGateway, type TestGateway } from "../helpers/server.js";

// No N+1: a page of subscribers with their tags, their lists with each subscription's status, and
// their typed custom values costs the same few statements whatever the page size.

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

let gateway: TestGateway;
let key: string;

beforeAll(async () => {
  gateway = await startTestGateway();
  const account = await gateway.account("statements");
  key = account.key;
  await seedAudience(gateway.database.db, account.id, 60);
});
afterAll(() => gateway.close());

async function statementsFor(first: number) {
  // The first request of a key also looks the key up; count a request whose key is known.
  await gateway.graphql(PAGE, { first }, key);
  gateway.database.statements.reset();
  const response = await gateway.graphql<{
    subscribers: {
      edges: {
        node: {
          tags: { name: string }[];
          subscriptions: { status: string; list: { name: string } }[];
          customValues: { field: { name: string } }[];
        };
      }[];
    };
  }>(PAGE, { first }, key);
  expect(response.errors).toBeUndefined();
  return {
    count: gateway.database.statements.count(),
    sql: gateway.database.statements.sql(),
    edges: response.data?.subscribers.edges ?? [],
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
