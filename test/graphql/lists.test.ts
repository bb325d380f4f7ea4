import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

interface ListShape {
  id: string;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

interface Issue {
  path: string[];
  message: string;
}

type Result = ({ __typename: string } & Partial<{ list: ListShape; deletedId: string }>) & {
  issues?: Issue[];
  resource?: string;
  message?: string;
};

const LIST_FIELDS = "id name description createdAt updatedAt";
const ERRORS = `... on ValidationError { message issues { path message } }
  ... on NotFoundError { message resource }`;
const PAYLOADS = {
  createList: `... on CreateListPayload { list { ${LIST_FIELDS} } }`,
  updateList: `... on UpdateListPayload { list { ${LIST_FIELDS} } }`,
  deleteList: "... on DeleteListPayload { deletedId }",
};

async function mutate(
  key: string,
  name: "createList" | "updateList" | "deleteList",
  input: Record<string, unknown>,
) {
  const response = await gateway.graphql<Record<string, Result>>(
    `mutation($input: ${name[0].toUpperCase()}${name.slice(1)}Input!) {
      ${name}(input: $input) { __typename ${PAYLOADS[name]} ${ERRORS} }
    }`,
    { input },
    key,
  );
  expect(response.errors).toBeUndefined();
  return response.data?.[name] as Result;
}

async function createList(key: string, name: string, description?: string): Promise<ListShape> {
  const result = await mutate(key, "createList", { name, description });
  expect(result.__typename).toBe("CreateListPayload");
  return result.list as ListShape;
}

async function listCount(accountId: string): Promise<number> {
  const rows = await gateway.database.db
    .selectFrom("lists")
    .select("name")
    .where("account_id", "=", accountId)
    .execute();
  return rows.length;
}

describe("list CRUD", () => {
  it("creates a list, reads it back as a node, updates and deletes it", async () => {
    const { key } = await gateway.account("crud");
    const created = await createList(key, "  Newsletter  ", "Weekly news");
    expect(created).toMatchObject({ name: "Newsletter", description: "Weekly news" });
    expect(created.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);

    const read = await gateway.graphql<{ node: ListShape & { subscriberCount: number } }>(
      `query($id: ID!) { node(id: $id) { ... on List { ${LIST_FIELDS} subscriberCount } } }`,
      { id: created.id },
      key,
    );
    expect(read.data?.node).toEqual({ ...created, subscriberCount: 0 });

    const renamed = await mutate(key, "updateList", { id: created.id, name: "Weekly" });
    expect(renamed.__typename).toBe("UpdateListPayload");
    expect(renamed.list).toMatchObject({
      id: created.id,
      name: "Weekly",
      description: "Weekly news",
    });
    expect(Date.parse(renamed.list?.updatedAt ?? "")).toBeGreaterThanOrEqual(
      Date.parse(created.updatedAt),
    );

    const cleared = await mutate(key, "updateList", { id: created.id, description: null });
    expect(cleared.list).toMatchObject({ name: "Weekly", description: null });

    const deleted = await mutate(key, "deleteList", { id: created.id });
    expect(deleted).toEqual({ __typename: "DeleteListPayload", deletedId: created.id });
    const gone = await gateway.graphql<{ node: unknown }>(
      "query($id: ID!) { node(id: $id) { id } }",
      { id: created.id },
      key,
    );
    expect(gone.data?.node).toBeNull();
    const again = await mutate(key, "deleteList", { id: created.id });
    expect(again).toMatchObject({ __typename: "NotFoundError", resource: "List" });
  });

  it("refuses an empty name with a ValidationError at input.name and stores nothing", async () => {
    const { key, id } = await gateway.account("empty-name");
    const result = await mutate(key, "createList", { name: "   " });
    expect(result.__typename).toBe("ValidationError");
    expect(result.issues).toEqual([{ path: ["input", "name"], message: "name is required" }]);
    expect(await listCount(id)).toBe(0);

    const tooLong = await mutate(key, "createList", { name: "x".repeat(256) });
    expect(tooLong.issues?.[0].path).toEqual(["input", "name"]);
    const both = await mutate(key, "createList", { name: "", description: "x".repeat(2001) });
    expect(both.issues?.map((issue) => issue.path)).toEqual([
      ["input", "name"],
      ["input", "description"],
    ]);
    expect(await listCount(id)).toBe(0);
  });

  it("refuses to blank a list's name and leaves the list as it was", async () => {
    const { key } = await gateway.account("blank-update");
    const list = await createList(key, "Keep me", "as is");
    for (const name of ["", null]) {
      const result = await mutate(key, "updateList", { id: list.id, name, description: "new" });
      expect(result.__typename).toBe("ValidationError");
      expect(result.issues?.map((issue) => issue.path)).toEqual([["input", "name"]]);
    }
    const read = await gateway.graphql<{ node: ListShape }>(
      `query($id: ID!) { node(id: $id) { ... on List { ${LIST_FIELDS} } } }`,
      { id: list.id },
      key,
    );
    expect(read.data?.node).toEqual(list);
  });

  it("answers a missing name with a GraphQL validation error", async () => {
    const { key } = await gateway.account("no-name");
    const response = await gateway.graphql(
      "mutation { createList(input: { description: 1 }) { __typename } }",
      {},
      key,
    );
    expect(response.data).toBeUndefined();
    expect(response.errors?.length).toBeGreaterThan(0);
  });

  it("treats another account's list exactly like an unknown one", async () => {
    const owner = await gateway.account("owner");
    const other = await gateway.account("other");
    const list = await createList(owner.key, "Private");
    const unknown = Buffer.from(`List:${"0".repeat(32)}`).toString("base64");
    const notAList = Buffer.from(`Subscriber:${"0".repeat(32)}`).toString("base64");

    for (const id of [list.id, unknown, notAList, "garbage"]) {
      const updated = await mutate(other.key, "updateList", { id, name: "Mine now" });
      expect(updated).toMatchObject({ __typename: "NotFoundError", resource: "List" });
      const deleted = await mutate(other.key, "deleteList", { id });
      expect(deleted).toMatchObject({ __typename: "NotFoundError", resource: "List" });
    }
    const seen = await gateway.graphql<{ node: unknown; lists: { totalCount: number } }>(
      "query($id: ID!) { node(id: $id) { id } lists { totalCount } }",
      { id: list.id },
      other.key,
    );
    expect(seen.data).toEqual({ node: null, lists: { totalCount: 0 } });

    const intact = await gateway.graphql<{ node: ListShape }>(
      `query($id: ID!) { node(id: $id) { ... on List { ${LIST_FIELDS} } } }`,
      { id: list.id },
      owner.key,
    );
    expect(intact.data?.node).toEqual(list);
  });
});

describe("lists query", () => {
  const PAGE = `query($first: Int, $after: String, $last: Int, $before: String, $filter: ListFilter) {
    lists(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { name } }
    }
  }`;
  interface Page {
    lists: {
      totalCount: number;
      pageInfo: {
        hasNextPage: boolean;
        hasPreviousPage: boolean;
        startCursor: string | null;
        endCursor: string | null;
      };
      edges: { cursor: string; node: { name: string } }[];
    };
  }

  let key: string;
  beforeAll(async () => {
    key = (await gateway.account("pages")).key;
    for (const name of ["Alpha", "beta news", "Gamma", "Delta NEWS", "Epsilon"]) {
      await createList(key, name);
    }
  });

  async function page(variables: Record<string, unknown>) {
    const response = await gateway.graphql<Page>(PAGE, variables, key);
    expect(response.errors).toBeUndefined();
    return response.data?.lists as Page["lists"];
  }

  it("pages forward and backward with cursors, oldest first, with totalCount", async () => {
    const first = await page({ first: 2 });
    expect(first.edges.map((edge) => edge.node.name)).toEqual(["Alpha", "beta news"]);
    expect(first.totalCount).toBe(5);
    expect(first.pageInfo.hasNextPage).toBe(true);

    const second = await page({ first: 2, after: first.pageInfo.endCursor });
    expect(second.edges.map((edge) => edge.node.name)).toEqual(["Gamma", "Delta NEWS"]);
    const third = await page({ first: 2, after: second.pageInfo.endCursor });
    expect(third.edges.map((edge) => edge.node.name)).toEqual(["Epsilon"]);
    expect(third.pageInfo.hasNextPage).toBe(false);

    const last = await page({ last: 2 });
    expect(last.edges.map((edge) => edge.node.name)).toEqual(["Delta NEWS", "Epsilon"]);
    expect(last.pageInfo.hasPreviousPage).toBe(true);
    const before = await page({ last: 2, before: last.pageInfo.startCursor });
    expect(before.edges.map((edge) => edge.node.name)).toEqual(["beta news", "Gamma"]);
  });

  it("filters by part of the name in any case, and counts the filtered lists", async () => {
    const news = await page({ filter: { search: "NeWs" } });
    expect(news.edges.map((edge) => edge.node.name)).toEqual(["beta news", "Delta NEWS"]);
    expect(news.totalCount).toBe(2);
    const literal = await page({ filter: { search: "%" } });
    expect(literal.edges).toEqual([]);
    expect(literal.totalCount).toBe(0);
  });

  it("refuses a page larger than 100 and a cursor it did not issue", async () => {
    const big = await gateway.graphql(PAGE, { first: 101 }, key);
    expect(big.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const forged = await gateway.graphql(PAGE, { first: 1, after: "nonsense" }, key);
    expect(forged.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("scopes", () => {
  it("needs lists:read to read and lists:write to change", async () => {
    const { id, key } = await gateway.account("scoped");
    const list = await createList(key, "Scoped");
    const reader = await gateway.key(id, ["lists:read"]);
    const stranger = await gateway.key(id, ["subscribers:write"]);

    const read = await gateway.graphql<{ lists: { totalCount: number } }>(
      "{ lists { totalCount } }",
      {},
      reader,
    );
    expect(read.data?.lists.totalCount).toBe(1);
    const refused = await gateway.graphql("{ lists { totalCount } }", {}, stranger);
    expect(refused.errors?.[0].extensions?.code).toBe("FORBIDDEN");

    for (const [name, input] of [
      ["createList", { name: "Nope" }],
      ["updateList", { id: list.id, name: "Nope" }],
      ["deleteList", { id: list.id }],
    ] as const) {
      const response = await gateway.graphql(
        `mutation($input: ${name[0].toUpperCase()}${name.slice(1)}Input!) { ${name}(input: $input) { __typename } }`,
        { input },
        reader,
      );
      expect(response.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    }
    const names = await gateway.database.db
      .selectFrom("lists")
      .select("name")
      .where("account_id", "=", id)
      .execute();
    expect(names).toEqual([{ name: "Scoped" }]);

    const anonymous = await gateway.graphql("{ lists { totalCount } }", {}, null);
    expect(anonymous.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
  });
});
