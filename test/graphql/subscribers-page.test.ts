import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";
import { createTag, ok } from "./subscribers-fixtures.js";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

interface Page {
  totalCount?: number;
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
  edges: { cursor: string; node: { id: string; email: string } }[];
}

const PAGE = `pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  edges { cursor node { id email } }`;

async function page(key: string, args: Record<string, unknown>, withCount = true) {
  const response = await gateway.graphql<{ subscribers: Page }>(
    `query($filter: SubscriberFilter, $first: Int, $after: String, $last: Int, $before: String) {
      subscribers(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
        ${withCount ? "totalCount" : ""} ${PAGE} } }`,
    args,
    key,
  );
  expect(response.errors).toBeUndefined();
  return response.data?.subscribers as Page;
}

const emailsOf = (result: Page) => result.edges.map((edge) => edge.node.email);

interface Seeded {
  key: string;
  accountId: string;
  ids: Record<string, string>;
}

/** Six people, created through one upsert, in this order. */
async function seed(name: string): Promise<Seeded> {
  const { key, id: accountId } = await gateway.account(name);
  const { subscribers } = await ok<{ subscribers: { id: string; email: string }[] }>(
    gateway,
    key,
    "upsertSubscribers",
    {
      subscribers: [
        { email: "ann@example.com", firstName: "Ann", lastName: "Lee" },
        { email: "bob@example.com", firstName: "Bob", lastName: "Annan", status: "UNSUBSCRIBED" },
        { email: "carol@corp.example", firstName: "Carol", lastName: "King" },
        { email: "100%_real@example.com", firstName: "Percy" },
        { email: "dave@corp.example", firstName: "Dave", status: "BOUNCED" },
        { email: "erin@example.com", firstName: "Erin", lastName: "Lee" },
      ],
    },
    "subscribers { id email }",
  );
  return {
    key,
    accountId,
    ids: Object.fromEntries(subscribers.map((row) => [row.email.split("@")[0], row.id])),
  };
}

describe("the subscribers connection", () => {
  it("pages forward and backward with opaque cursors, oldest first", async () => {
    const { key } = await seed("paging");
    const all = [
      "ann@example.com",
      "bob@example.com",
      "carol@corp.example",
      "100%_real@example.com",
      "dave@corp.example",
      "erin@example.com",
    ];

    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 3; i++) {
      const result: Page = await page(key, { first: 2, after });
      expect(result.totalCount).toBe(6);
      expect(result.pageInfo.hasNextPage).toBe(i < 2);
      seen.push(...emailsOf(result));
      after = result.pageInfo.endCursor;
    }
    expect(seen).toEqual(all);

    const last = await page(key, { last: 2 });
    expect(emailsOf(last)).toEqual(all.slice(4));
    expect(last.pageInfo.hasPreviousPage).toBe(true);
    const before = await page(key, { last: 3, before: last.pageInfo.startCursor });
    expect(emailsOf(before)).toEqual(all.slice(1, 4));
    const first = await page(key, { last: 5, before: before.pageInfo.startCursor });
    expect(emailsOf(first)).toEqual(all.slice(0, 1));
    expect(first.pageInfo.hasPreviousPage).toBe(false);

    const defaults = await page(key, {});
    expect(emailsOf(defaults)).toEqual(all);
  });

  it("refuses more than 100 per page and a cursor it never issued", async () => {
    const { key } = await seed("limits");
    for (const args of [{ first: 101 }, { last: 101 }, { first: 5, after: "not-a-cursor" }]) {
      const response = await gateway.graphql(
        "query($first: Int, $last: Int, $after: String) { subscribers(first: $first, last: $last, after: $after) { edges { cursor } } }",
        args,
        key,
      );
      expect(response.errors?.[0].extensions?.code, JSON.stringify(args)).toBe("BAD_USER_INPUT");
    }
    const hundred = await page(key, { first: 100 });
    expect(hundred.edges).toHaveLength(6);
  });

  it("counts only when totalCount is asked for", async () => {
    const { key } = await seed("count");
    gateway.database.statements.reset();
    await page(key, { first: 2 }, false);
    const without = gateway.database.statements.sql();
    gateway.database.statements.reset();
    await page(key, { first: 2 }, true);
    const withCount = gateway.database.statements.sql();
    expect(withCount.filter((text) => text.includes("count("))).toHaveLength(1);
    expect(without.filter((text) => text.includes("count("))).toHaveLength(0);
  });
});

describe("subscriber filters", () => {
  it("searches email, first, last and full name in any case, wildcards taken literally", async () => {
    const { key } = await seed("search");
    const search = async (text: string) => emailsOf(await page(key, { filter: { search: text } }));
    expect(await search("CORP.EXAMPLE")).toEqual(["carol@corp.example", "dave@corp.example"]);
    expect(await search("ann")).toEqual(["ann@example.com", "bob@example.com"]);
    expect(await search("lee")).toEqual(["ann@example.com", "erin@example.com"]);
    expect(await search("erin lee")).toEqual(["erin@example.com"]);
    expect(await search("%")).toEqual(["100%_real@example.com"]);
    expect(await search("_")).toEqual(["100%_real@example.com"]);
    expect(await search("nobody")).toEqual([]);
    const counted = await page(key, { filter: { search: "lee" } });
    expect(counted.totalCount).toBe(2);
  });

  it("filters by status", async () => {
    const { key } = await seed("status");
    const result = await page(key, { filter: { status: "BOUNCED" } });
    expect(emailsOf(result)).toEqual(["dave@corp.example"]);
    expect(result.totalCount).toBe(1);
  });

  it("filters by tag and by list, and an unknown or foreign id matches nobody", async () => {
    const { key, accountId, ids } = await seed("membership");
    const vip = await createTag(gateway, key, "VIP");
    await ok(
      gateway,
      key,
      "tagSubscriber",
      { subscriberId: ids.carol, tagIds: [vip.id] },
      "__typename",
    );
    await ok(
      gateway,
      key,
      "tagSubscriber",
      { subscriberId: ids.erin, tagIds: [vip.id] },
      "__typename",
    );
    const tagged = await page(key, { filter: { tagId: vip.id } });
    expect(emailsOf(tagged)).toEqual(["carol@corp.example", "erin@example.com"]);
    expect(tagged.totalCount).toBe(2);

    // Lists are another module's; the rows are set up directly.
    const db = gateway.database.db;
    const list = await db
      .insertInto("lists")
      .values({ account_id: accountId, name: "News" })
      .returning(["id", "public_id"])
      .executeTakeFirstOrThrow();
    const members = await db
      .selectFrom("subscribers")
      .select("id")
      .where("account_id", "=", accountId)
      .where("email", "in", ["ann@example.com", "dave@corp.example"])
      .execute();
    await db
      .insertInto("subscriptions")
      .values(
        members.map((member, index) => ({
          account_id: accountId,
          list_id: list.id,
          subscriber_id: member.id,
          status: index === 0 ? ("subscribed" as const) : ("unsubscribed" as const),
        })),
      )
      .execute();
    const listId = Buffer.from(`List:${list.public_id}`).toString("base64");
    const onList = await page(key, { filter: { listId } });
    expect(emailsOf(onList)).toEqual(["ann@example.com", "dave@corp.example"]);

    const both = await page(key, { filter: { listId, tagId: vip.id } });
    expect(emailsOf(both)).toEqual([]);

    const stranger = await gateway.account("stranger");
    const foreign = await page(stranger.key, { filter: { tagId: vip.id } });
    expect(foreign.edges).toEqual([]);
    expect(foreign.totalCount).toBe(0);

    const wrongType = await gateway.graphql(
      "query($filter: SubscriberFilter) { subscribers(filter: $filter) { totalCount } }",
      { filter: { listId: vip.id } },
      key,
    );
    expect(wrongType.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("filters by creation time, after inclusive and before exclusive", async () => {
    const { key, accountId } = await seed("created");
    const db = gateway.database.db;
    const days = {
      "ann@example.com": "2024-01-01T00:00:00Z",
      "bob@example.com": "2024-02-01T00:00:00Z",
      "carol@corp.example": "2024-03-01T00:00:00Z",
    };
    for (const [email, at] of Object.entries(days)) {
      await db
        .updateTable("subscribers")
        .set({ created_at: at })
        .where("account_id", "=", accountId)
        .where("email", "=", email)
        .execute();
    }
    const range = await page(key, {
      filter: { createdAfter: "2024-02-01T00:00:00Z", createdBefore: "2024-03-01T00:00:00Z" },
    });
    expect(emailsOf(range)).toEqual(["bob@example.com"]);
    const before = await page(key, { filter: { createdBefore: "2024-03-01T00:00:00.001Z" } });
    expect(emailsOf(before)).toEqual(["ann@example.com", "bob@example.com", "carol@corp.example"]);

    const bad = await gateway.graphql(
      "query($filter: SubscriberFilter) { subscribers(filter: $filter) { totalCount } }",
      { filter: { createdAfter: "yesterday" } },
      key,
    );
    expect(bad.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });
});
