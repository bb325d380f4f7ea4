import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

interface Entry {
  id: string;
  email: string;
  reason: string | null;
  createdAt: string;
}

const ADD = `mutation($input: AddToBlocklistInput!) {
  addToBlocklist(input: $input) {
    __typename
    ... on AddToBlocklistPayload { blocklistEntry { id email reason createdAt } }
    ... on ValidationError { issues { path message } }
  }
}`;

const REMOVE = `mutation($input: RemoveFromBlocklistInput!) {
  removeFromBlocklist(input: $input) {
    __typename
    ... on RemoveFromBlocklistPayload { blocklistEntry { id email } }
    ... on Error { message }
    ... on ValidationError { issues { path message } }
  }
}`;

const PAGE = `query($filter: BlocklistFilter, $first: Int, $after: String) {
  blocklist(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { id email } }
    pageInfo { hasNextPage endCursor }
  }
}`;

type AddResult = {
  addToBlocklist: {
    __typename: string;
    blocklistEntry?: Entry;
    issues?: { path: string[]; message: string }[];
  };
};
type RemoveResult = {
  removeFromBlocklist: {
    __typename: string;
    blocklistEntry?: Entry;
    message?: string;
    issues?: { path: string[] }[];
  };
};
type PageResult = {
  blocklist: {
    totalCount: number;
    edges: { cursor: string; node: { id: string; email: string } }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

async function add(key: string, email: string, reason?: string) {
  const response = await gateway.graphql<AddResult>(ADD, { input: { email, reason } }, key);
  expect(response.errors).toBeUndefined();
  return response.data?.addToBlocklist;
}

async function rows(accountId: string) {
  return gateway.database.db
    .selectFrom("blocklist")
    .select(["email", "reason"])
    .where("account_id", "=", accountId)
    .orderBy("id")
    .execute();
}

describe("adding to the blocklist", () => {
  it("lists an address with its reason", async () => {
    const { key } = await gateway.account();
    const result = await add(key, "Spam@Example.com", "complained by phone");
    expect(result?.__typename).toBe("AddToBlocklistPayload");
    expect(result?.blocklistEntry).toMatchObject({
      email: "Spam@Example.com",
      reason: "complained by phone",
    });
    expect(Date.parse(result?.blocklistEntry?.createdAt ?? "")).not.toBeNaN();
  });

  it("returns the existing entry when the address is already listed, in any case", async () => {
    const { key, id } = await gateway.account();
    const first = await add(key, "twice@example.com", "first reason");
    const again = await add(key, "TWICE@example.com", "second reason");
    expect(again?.__typename).toBe("AddToBlocklistPayload");
    expect(again?.blocklistEntry).toEqual(first?.blocklistEntry);
    expect(await rows(id)).toEqual([{ email: "twice@example.com", reason: "first reason" }]);
  });

  it("refuses an address that is not one, with the path of the field, and stores nothing", async () => {
    const { key, id } = await gateway.account();
    const result = await add(key, "not an email");
    expect(result?.__typename).toBe("ValidationError");
    expect(result?.issues).toEqual([
      { path: ["input", "email"], message: expect.stringContaining("not an email") },
    ]);
    expect(await rows(id)).toEqual([]);
  });

  it("answers a wrong variable type with a GraphQL error and a 4xx", async () => {
    const { key } = await gateway.account();
    const response = await gateway.graphql(ADD, { input: { email: 42 } }, key);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(response.errors?.[0].message).toMatch(/email/);
  });
});

describe("reading the blocklist", () => {
  it("pages through entries, filters by a case-insensitive part and counts them", async () => {
    const { key } = await gateway.account();
    for (const email of ["a@spam.test", "b@SPAM.test", "c@ham.test", "d@spam.test"])
      await add(key, email);

    const all = await gateway.graphql<PageResult>(PAGE, {}, key);
    expect(all.data?.blocklist.totalCount).toBe(4);

    const first = await gateway.graphql<PageResult>(
      PAGE,
      { filter: { search: "Spam" }, first: 2 },
      key,
    );
    expect(first.data?.blocklist.totalCount).toBe(3);
    expect(first.data?.blocklist.edges.map((edge) => edge.node.email)).toEqual([
      "a@spam.test",
      "b@SPAM.test",
    ]);
    expect(first.data?.blocklist.pageInfo.hasNextPage).toBe(true);

    const second = await gateway.graphql<PageResult>(
      PAGE,
      { filter: { search: "spam" }, first: 2, after: first.data?.blocklist.pageInfo.endCursor },
      key,
    );
    expect(second.data?.blocklist.edges.map((edge) => edge.node.email)).toEqual(["d@spam.test"]);
    expect(second.data?.blocklist.pageInfo.hasNextPage).toBe(false);
  });

  it("treats % and _ in a search as characters, not wildcards", async () => {
    const { key } = await gateway.account();
    await add(key, "under_score@example.com");
    await add(key, "underXscore@example.com");
    const found = await gateway.graphql<PageResult>(PAGE, { filter: { search: "r_s" } }, key);
    expect(found.data?.blocklist.edges.map((edge) => edge.node.email)).toEqual([
      "under_score@example.com",
    ]);
  });

  it("shows only the caller's account, and node() of another account's entry is null", async () => {
    const mine = await gateway.account();
    const theirs = await gateway.account();
    const entry = await add(theirs.key, "theirs@example.com");
    const page = await gateway.graphql<PageResult>(PAGE, {}, mine.key);
    expect(page.data?.blocklist).toMatchObject({ totalCount: 0, edges: [] });

    const node = await gateway.graphql<{ node: unknown }>(
      "query($id: ID!) { node(id: $id) { ... on BlocklistEntry { email } } }",
      { id: entry?.blocklistEntry?.id },
      mine.key,
    );
    expect(node.data?.node).toBeNull();
    const own = await gateway.graphql<{ node: { email: string } }>(
      "query($id: ID!) { node(id: $id) { ... on BlocklistEntry { email } } }",
      { id: entry?.blocklistEntry?.id },
      theirs.key,
    );
    expect(own.data?.node.email).toBe("theirs@example.com");
  });
});

describe("removing from the blocklist", () => {
  it("removes by id and by address (any case)", async () => {
    const { key, id } = await gateway.account();
    const one = await add(key, "one@example.com");
    await add(key, "two@example.com");

    const byId = await gateway.graphql<RemoveResult>(
      REMOVE,
      { input: { id: one?.blocklistEntry?.id } },
      key,
    );
    expect(byId.data?.removeFromBlocklist).toMatchObject({
      __typename: "RemoveFromBlocklistPayload",
      blocklistEntry: { email: "one@example.com" },
    });
    const byEmail = await gateway.graphql<RemoveResult>(
      REMOVE,
      { input: { email: "TWO@example.com" } },
      key,
    );
    expect(byEmail.data?.removeFromBlocklist.blocklistEntry?.email).toBe("two@example.com");
    expect(await rows(id)).toEqual([]);
  });

  it("answers NotFoundError for an unknown id, a malformed id and another account's entry", async () => {
    const mine = await gateway.account();
    const theirs = await gateway.account();
    const entry = await add(theirs.key, "kept@example.com");
    for (const input of [
      { id: entry?.blocklistEntry?.id },
      { id: "not-an-id" },
      { email: "kept@example.com" },
      { email: "never@example.com" },
    ]) {
      const result = await gateway.graphql<RemoveResult>(REMOVE, { input }, mine.key);
      expect(result.data?.removeFromBlocklist.__typename).toBe("NotFoundError");
    }
    expect(await rows(theirs.id)).toEqual([{ email: "kept@example.com", reason: null }]);
  });

  it("wants exactly one of id and email", async () => {
    const { key, id } = await gateway.account();
    const entry = await add(key, "both@example.com");
    for (const input of [{}, { id: entry?.blocklistEntry?.id, email: "both@example.com" }]) {
      const result = await gateway.graphql<RemoveResult>(REMOVE, { input }, key);
      expect(result.data?.removeFromBlocklist).toMatchObject({
        __typename: "ValidationError",
        issues: [{ path: ["input"] }],
      });
    }
    expect(await rows(id)).toHaveLength(1);
  });
});

describe("blocklist scopes", () => {
  it("lets blocklist:read read but not write, and asks for a key", async () => {
    const { id, key } = await gateway.account();
    await add(key, "scoped@example.com");
    const reader = await gateway.key(id, ["blocklist:read"]);

    const read = await gateway.graphql<PageResult>(PAGE, {}, reader);
    expect(read.data?.blocklist.totalCount).toBe(1);

    const write = await gateway.graphql(ADD, { input: { email: "x@example.com" } }, reader);
    expect(write.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    const remove = await gateway.graphql(
      REMOVE,
      { input: { email: "scoped@example.com" } },
      reader,
    );
    expect(remove.errors?.[0].extensions?.code).toBe("FORBIDDEN");

    const other = await gateway.key(id, ["subscribers:write"]);
    const denied = await gateway.graphql(PAGE, {}, other);
    expect(denied.errors?.[0].extensions?.code).toBe("FORBIDDEN");

    const anonymous = await gateway.graphql(PAGE, {}, null);
    expect(anonymous.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
    expect(await rows(id)).toEqual([{ email: "scoped@example.com", reason: null }]);
  });
});
