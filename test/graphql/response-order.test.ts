import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";

// GraphQL §7.2.2: a response's fields come in the query's order. Checked on the raw JSON text:
// JSON.parse keeps the text's key order (none of these keys is an integer), so Object.keys
// reads it back. Each query puts asynchronous fields (loaders, global ids) before synchronous
// ones, the order an executor that assigns fields as they settle gets wrong.

let gateway: TestGateway;
let key: string;
let listId: string;
let subscriberId: string;

async function raw(query: string, variables?: Record<string, unknown>): Promise<unknown> {
  const response = await fetch(`${gateway.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text);
}

const keysOf = (value: unknown): string[] => Object.keys(value as object);

beforeAll(async () => {
  gateway = await startTestGateway();
  key = (await gateway.account()).key;
  const list = await gateway.graphql<{ createList: { list: { id: string } } }>(
    'mutation { createList(input: { name: "news" }) { ... on CreateListPayload { list { id } } } }',
    {},
    key,
  );
  listId = list.data?.createList.list.id as string;
  const subscriber = await gateway.graphql<{ createSubscriber: { subscriber: { id: string } } }>(
    `mutation { createSubscriber(input: { email: "order@example.com", firstName: "Ada" }) {
      ... on CreateSubscriberPayload { subscriber { id } } } }`,
    {},
    key,
  );
  subscriberId = subscriber.data?.createSubscriber.subscriber.id as string;
  const tag = await gateway.graphql<{ createTag: { tag: { id: string } } }>(
    'mutation { createTag(input: { name: "vip" }) { ... on CreateTagPayload { tag { id } } } }',
    {},
    key,
  );
  await gateway.graphql(
    `mutation($s: ID!, $t: [ID!]!) { tagSubscriber(input: { subscriberId: $s, tagIds: $t }) {
      __typename } }`,
    { s: subscriberId, t: [tag.data?.createTag.tag.id] },
    key,
  );
});
afterAll(() => gateway.close());

describe("response field order", () => {
  it("keeps the query's order in a connection's edges and nodes", async () => {
    const body = (await raw(
      "{ lists(first: 1) { edges { node { id subscriberCount name createdAt } cursor } totalCount } }",
    )) as { data: { lists: { edges: { node: unknown }[] } } };
    expect(keysOf(body.data.lists)).toEqual(["edges", "totalCount"]);
    const [edge] = body.data.lists.edges;
    expect(keysOf(edge)).toEqual(["node", "cursor"]);
    expect(keysOf(edge.node)).toEqual(["id", "subscriberCount", "name", "createdAt"]);
  });

  it("keeps it in a subscriber's nested lists, tags and profile fields", async () => {
    const body = (await raw(
      `query($id: ID!) { node(id: $id) { ... on Subscriber {
        tags { id name } subscriptions { list { subscriberCount name id } status }
        email id firstName status } } }`,
      { id: subscriberId },
    )) as {
      data: { node: { tags: object[]; subscriptions: { list: object }[] } };
    };
    expect(keysOf(body.data.node)).toEqual([
      "tags",
      "subscriptions",
      "email",
      "id",
      "firstName",
      "status",
    ]);
    expect(keysOf(body.data.node.tags[0])).toEqual(["id", "name"]);
  });

  it("keeps it in a mutation's payload and in the order of root fields", async () => {
    const body = (await raw(
      `mutation($l: ID!, $s: ID!) {
        subscribeToList(input: { listId: $l, subscriberId: $s }) {
          ... on SubscribeToListPayload {
            subscription { list { subscriberCount id name } status source }
            subscriber { subscriptions { status list { id } } id email }
          }
        }
      }`,
      { l: listId, s: subscriberId },
    )) as {
      data: {
        subscribeToList: {
          subscription: { list: object };
          subscriber: { subscriptions: { list: object }[] };
        };
      };
    };
    const payload = body.data.subscribeToList;
    expect(keysOf(payload)).toEqual(["subscription", "subscriber"]);
    expect(keysOf(payload.subscription)).toEqual(["list", "status", "source"]);
    expect(keysOf(payload.subscription.list)).toEqual(["subscriberCount", "id", "name"]);
    expect(keysOf(payload.subscriber)).toEqual(["subscriptions", "id", "email"]);
    expect(keysOf(payload.subscriber.subscriptions[0])).toEqual(["status", "list"]);

    const roots = (await raw(
      "{ tags(first: 5) { totalCount } viewer { scopes } lists(first: 5) { totalCount } }",
    )) as { data: object };
    expect(keysOf(roots.data)).toEqual(["tags", "viewer", "lists"]);
  });
});
