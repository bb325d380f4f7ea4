import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

interface Subscription {
  status: string;
  statusChangedAt: string;
  source: string;
  createdAt: string;
  list: { id: string; name: string };
}

interface Outcome {
  __typename: string;
  subscription?: Subscription;
  subscriber?: { id: string; email: string };
  resource?: string;
  message?: string;
}

const SUBSCRIPTION = "status statusChangedAt source createdAt list { id name }";

async function createList(key: string, name: string): Promise<string> {
  const response = await gateway.graphql<{ createList: { list: { id: string } } }>(
    `mutation($name: String!) { createList(input: { name: $name }) {
      ... on CreateListPayload { list { id } } } }`,
    { name },
    key,
  );
  expect(response.errors).toBeUndefined();
  return response.data?.createList.list.id as string;
}

async function createSubscriber(key: string, email: string): Promise<string> {
  const response = await gateway.graphql<{ createSubscriber: { subscriber: { id: string } } }>(
    `mutation($email: String!) { createSubscriber(input: { email: $email }) {
      ... on CreateSubscriberPayload { subscriber { id } } } }`,
    { email },
    key,
  );
  expect(response.errors).toBeUndefined();
  return response.data?.createSubscriber.subscriber.id as string;
}

async function change(
  key: string,
  mutation: "subscribeToList" | "unsubscribeFromList",
  subscriberId: string,
  listId: string,
): Promise<Outcome> {
  const input = `${mutation[0].toUpperCase()}${mutation.slice(1)}`;
  const response = await gateway.graphql<Record<string, Outcome>>(
    `mutation($subscriberId: ID!, $listId: ID!) {
      ${mutation}(input: { subscriberId: $subscriberId, listId: $listId }) {
        __typename
        ... on ${input}Payload { subscription { ${SUBSCRIPTION} } subscriber { id email } }
        ... on NotFoundError { resource message }
      }
    }`,
    { subscriberId, listId },
    key,
  );
  expect(response.errors).toBeUndefined();
  return response.data?.[mutation] as Outcome;
}

async function subscriptionsOf(key: string, subscriberId: string): Promise<Subscription[]> {
  const response = await gateway.graphql<{ node: { subscriptions: Subscription[] } }>(
    `query($id: ID!) { node(id: $id) { ... on Subscriber { subscriptions { ${SUBSCRIPTION} } } } }`,
    { id: subscriberId },
    key,
  );
  expect(response.errors).toBeUndefined();
  return response.data?.node.subscriptions ?? [];
}

async function subscriberCount(key: string, listId: string): Promise<number> {
  const response = await gateway.graphql<{ node: { subscriberCount: number } }>(
    "query($id: ID!) { node(id: $id) { ... on List { subscriberCount } } }",
    { id: listId },
    key,
  );
  expect(response.errors).toBeUndefined();
  return response.data?.node.subscriberCount as number;
}

async function storedSubscriptions(accountId: string) {
  return gateway.database.db
    .selectFrom("subscriptions")
    .select(["list_id", "subscriber_id", "status", "status_changed_at", "source"])
    .where("account_id", "=", accountId)
    .orderBy("id")
    .execute();
}

describe("subscribing and unsubscribing", () => {
  it("subscribes, stays put when subscribed again, unsubscribes and resubscribes", async () => {
    const { id: accountId, key } = await gateway.account("flow");
    const listId = await createList(key, "Weekly");
    const ada = await createSubscriber(key, "ada@example.com");

    const before = Date.now();
    const subscribed = await change(key, "subscribeToList", ada, listId);
    expect(subscribed.__typename).toBe("SubscribeToListPayload");
    expect(subscribed.subscriber).toEqual({ id: ada, email: "ada@example.com" });
    const first = subscribed.subscription as Subscription;
    expect(first).toMatchObject({ status: "SUBSCRIBED", source: "api", list: { id: listId } });
    expect(Date.parse(first.statusChangedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(await subscriberCount(key, listId)).toBe(1);

    const again = await change(key, "subscribeToList", ada, listId);
    expect(again.subscription).toEqual(first);

    const unsubscribed = await change(key, "unsubscribeFromList", ada, listId);
    expect(unsubscribed.__typename).toBe("UnsubscribeFromListPayload");
    const off = unsubscribed.subscription as Subscription;
    expect(off.status).toBe("UNSUBSCRIBED");
    expect(off.createdAt).toBe(first.createdAt);
    expect(Date.parse(off.statusChangedAt)).toBeGreaterThan(Date.parse(first.statusChangedAt));
    expect(await subscriberCount(key, listId)).toBe(0);
    // The subscription is kept, with its status: the history of consent stays.
    expect((await subscriptionsOf(key, ada)).map((s) => s.status)).toEqual(["UNSUBSCRIBED"]);

    const offAgain = await change(key, "unsubscribeFromList", ada, listId);
    expect(offAgain.subscription).toEqual(off);

    const back = await change(key, "subscribeToList", ada, listId);
    const resubscribed = back.subscription as Subscription;
    expect(resubscribed.status).toBe("SUBSCRIBED");
    expect(resubscribed.createdAt).toBe(first.createdAt);
    expect(Date.parse(resubscribed.statusChangedAt)).toBeGreaterThan(
      Date.parse(off.statusChangedAt),
    );
    expect(await subscriberCount(key, listId)).toBe(1);
    expect(await storedSubscriptions(accountId)).toHaveLength(1);
  });

  it("shows a subscriber's subscriptions with their lists, in every status", async () => {
    const { key } = await gateway.account("memberships");
    const news = await createList(key, "News");
    const offers = await createList(key, "Offers");
    await createList(key, "Untouched");
    const bob = await createSubscriber(key, "bob@example.com");
    await change(key, "subscribeToList", bob, news);
    await change(key, "subscribeToList", bob, offers);
    await change(key, "unsubscribeFromList", bob, offers);

    const subscriptions = await subscriptionsOf(key, bob);
    expect(subscriptions.map(({ list, status }) => [list.name, status])).toEqual([
      ["News", "SUBSCRIBED"],
      ["Offers", "UNSUBSCRIBED"],
    ]);
    const nobody = await createSubscriber(key, "nobody@example.com");
    expect(await subscriptionsOf(key, nobody)).toEqual([]);
  });

  it("deleting a list removes its subscriptions and keeps the subscribers", async () => {
    const { key } = await gateway.account("delete-list");
    const listId = await createList(key, "Short-lived");
    const kept = await createList(key, "Kept");
    const cy = await createSubscriber(key, "cy@example.com");
    await change(key, "subscribeToList", cy, listId);
    await change(key, "subscribeToList", cy, kept);

    const deleted = await gateway.graphql(
      "mutation($id: ID!) { deleteList(input: { id: $id }) { __typename } }",
      { id: listId },
      key,
    );
    expect(deleted.errors).toBeUndefined();
    expect((await subscriptionsOf(key, cy)).map((s) => s.list.name)).toEqual(["Kept"]);
  });
});

describe("a list's subscribers", () => {
  const MEMBERS = `query($id: ID!, $status: SubscriptionStatus, $first: Int, $after: String) {
    node(id: $id) { ... on List {
      subscriberCount
      subscribers(status: $status, first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { email } subscription { status list { name } } }
      }
    } }
  }`;
  interface Members {
    node: {
      subscriberCount: number;
      subscribers: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; endCursor: string };
        edges: {
          node: { email: string };
          subscription: { status: string; list: { name: string } };
        }[];
      };
    };
  }

  it("pages through them with their subscription, filtered by status", async () => {
    const { key } = await gateway.account("members");
    const listId = await createList(key, "Members");
    const emails = ["a@example.com", "b@example.com", "c@example.com", "d@example.com"];
    for (const email of emails) {
      await change(key, "subscribeToList", await createSubscriber(key, email), listId);
    }
    const leaver = await createSubscriber(key, "leaver@example.com");
    await change(key, "subscribeToList", leaver, listId);
    await change(key, "unsubscribeFromList", leaver, listId);

    const all = await gateway.graphql<Members>(MEMBERS, { id: listId, first: 3 }, key);
    expect(all.errors).toBeUndefined();
    const page = all.data?.node as Members["node"];
    expect(page.subscriberCount).toBe(4);
    expect(page.subscribers.totalCount).toBe(5);
    expect(page.subscribers.edges.map((edge) => edge.node.email)).toEqual(emails.slice(0, 3));
    expect(page.subscribers.edges[0].subscription).toEqual({
      status: "SUBSCRIBED",
      list: { name: "Members" },
    });

    const rest = await gateway.graphql<Members>(
      MEMBERS,
      { id: listId, first: 3, after: page.subscribers.pageInfo.endCursor },
      key,
    );
    expect(rest.data?.node.subscribers.edges.map((edge) => edge.node.email)).toEqual([
      "d@example.com",
      "leaver@example.com",
    ]);
    expect(rest.data?.node.subscribers.pageInfo.hasNextPage).toBe(false);

    const gone = await gateway.graphql<Members>(
      MEMBERS,
      { id: listId, status: "UNSUBSCRIBED" },
      key,
    );
    expect(gone.data?.node.subscribers.totalCount).toBe(1);
    expect(gone.data?.node.subscribers.edges).toEqual([
      {
        node: { email: "leaver@example.com" },
        subscription: { status: "UNSUBSCRIBED", list: { name: "Members" } },
      },
    ]);
  });
});

describe("statements", () => {
  it("counts the subscribers of a whole page of lists in one group-by statement", async () => {
    const { key } = await gateway.account("counts");
    const lists: string[] = [];
    for (let n = 0; n < 6; n++) lists.push(await createList(key, `List ${n}`));
    for (let n = 0; n < 6; n++) {
      const subscriber = await createSubscriber(key, `s${n}@example.com`);
      for (const listId of lists.slice(0, n))
        await change(key, "subscribeToList", subscriber, listId);
    }
    const query = "{ lists(first: 10) { edges { node { name subscriberCount } } } }";
    await gateway.graphql(query, {}, key); // the key's look-up is cached from here on
    gateway.database.statements.reset();
    const response = await gateway.graphql<{
      lists: { edges: { node: { name: string; subscriberCount: number } }[] };
    }>(query, {}, key);
    expect(response.data?.lists.edges.map((edge) => edge.node.subscriberCount)).toEqual([
      5, 4, 3, 2, 1, 0,
    ]);
    const statements = gateway.database.statements.sql();
    expect(statements).toHaveLength(2);
    expect(statements.filter((sql) => /group by/i.test(sql))).toHaveLength(1);
  });

  it("loads the subscriptions of many subscribers, lists included, in one statement", async () => {
    const { key } = await gateway.account("batched");
    const lists = [await createList(key, "One"), await createList(key, "Two")];
    const subscribers: string[] = [];
    for (let n = 0; n < 8; n++) {
      const subscriber = await createSubscriber(key, `b${n}@example.com`);
      for (const listId of lists) await change(key, "subscribeToList", subscriber, listId);
      subscribers.push(subscriber);
    }
    const query = `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Subscriber {
      email subscriptions { status list { name subscriberCount } } } } }`;
    await gateway.graphql(query, { ids: subscribers }, key);
    gateway.database.statements.reset();
    const response = await gateway.graphql<{
      nodes: {
        subscriptions: { status: string; list: { name: string; subscriberCount: number } }[];
      }[];
    }>(query, { ids: subscribers }, key);
    expect(response.errors).toBeUndefined();
    for (const node of response.data?.nodes ?? []) {
      expect(node.subscriptions.map((s) => [s.list.name, s.list.subscriberCount])).toEqual([
        ["One", 8],
        ["Two", 8],
      ]);
    }
    // The subscribers, their subscriptions joined with their lists, the counts: three in all.
    const statements = gateway.database.statements.sql();
    expect(statements).toHaveLength(3);
    expect(statements.filter((sql) => /join "lists"/.test(sql))).toHaveLength(1);
  });
});

describe("bad input", () => {
  it("answers NotFoundError for unknown and other accounts' ids, and changes nothing", async () => {
    const mine = await gateway.account("mine");
    const theirs = await gateway.account("theirs");
    const myList = await createList(mine.key, "Mine");
    const me = await createSubscriber(mine.key, "me@example.com");
    const theirList = await createList(theirs.key, "Theirs");
    const them = await createSubscriber(theirs.key, "them@example.com");
    const unknownList = encodeGlobalID("List", "0".repeat(32));
    const unknownSubscriber = encodeGlobalID("Subscriber", "0".repeat(32));

    for (const mutation of ["subscribeToList", "unsubscribeFromList"] as const) {
      for (const listId of [theirList, unknownList, me, "not an id"]) {
        const outcome = await change(mine.key, mutation, me, listId);
        expect(outcome).toMatchObject({ __typename: "NotFoundError", resource: "List" });
      }
      for (const subscriberId of [them, unknownSubscriber, myList]) {
        const outcome = await change(mine.key, mutation, subscriberId, myList);
        expect(outcome).toMatchObject({ __typename: "NotFoundError", resource: "Subscriber" });
      }
    }
    // Taking someone off a list they were never on.
    const never = await change(mine.key, "unsubscribeFromList", me, myList);
    expect(never).toMatchObject({ __typename: "NotFoundError", resource: "Subscription" });

    expect(await storedSubscriptions(mine.id)).toEqual([]);
    expect(await storedSubscriptions(theirs.id)).toEqual([]);
  });

  it("refuses a malformed request with a GraphQL error", async () => {
    const { key } = await gateway.account("malformed");
    const response = await gateway.graphql(
      "mutation { subscribeToList(input: { listId: 5 }) { __typename } }",
      {},
      key,
    );
    expect(response.data).toBeUndefined();
    expect(response.errors?.length).toBeGreaterThan(0);
  });
});

describe("scopes", () => {
  it("needs subscribers:write to subscribe and subscribers:read to see subscriptions", async () => {
    const { id: accountId, key } = await gateway.account("scopes");
    const listId = await createList(key, "Scoped");
    const dee = await createSubscriber(key, "dee@example.com");
    const listsOnly = await gateway.key(accountId, ["lists:write"]);
    const writer = await gateway.key(accountId, ["subscribers:write", "lists:read"]);

    for (const mutation of ["subscribeToList", "unsubscribeFromList"]) {
      const refused = await gateway.graphql(
        `mutation($s: ID!, $l: ID!) { ${mutation}(input: { subscriberId: $s, listId: $l }) { __typename } }`,
        { s: dee, l: listId },
        listsOnly,
      );
      expect(refused.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    }
    expect(await storedSubscriptions(accountId)).toEqual([]);

    const members = await gateway.graphql(
      "query($id: ID!) { node(id: $id) { ... on List { subscribers { totalCount } } } }",
      { id: listId },
      listsOnly,
    );
    expect(members.errors?.[0].extensions?.code).toBe("FORBIDDEN");

    const theirSubscriptions = await gateway.graphql(
      "query($id: ID!) { node(id: $id) { ... on Subscriber { subscriptions { status } } } }",
      { id: dee },
      listsOnly,
    );
    expect(theirSubscriptions.errors?.[0].extensions?.code).toBe("FORBIDDEN");

    const allowed = await change(writer, "subscribeToList", dee, listId);
    expect(allowed.subscription?.status).toBe("SUBSCRIBED");
    expect(await subscriptionsOf(writer, dee)).toHaveLength(1);
  });
});
