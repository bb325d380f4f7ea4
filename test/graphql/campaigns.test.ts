import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

const FIELDS = `id name channel subject body status scheduledAt createdAt updatedAt
  lists { id name } tags { id name }`;

const CREATE = `mutation($input: CreateCampaignInput!) {
  createCampaign(input: $input) {
    __typename
    ... on CreateCampaignPayload { campaign { ${FIELDS} } }
    ... on Error { message }
    ... on ValidationError { issues { path message } }
    ... on NotFoundError { resource }
  }
}`;

const UPDATE = `mutation($input: UpdateCampaignInput!) {
  updateCampaign(input: $input) {
    __typename
    ... on UpdateCampaignPayload { campaign { ${FIELDS} } }
    ... on Error { message }
    ... on ValidationError { issues { path message } }
  }
}`;

const DELETE = `mutation($input: DeleteCampaignInput!) {
  deleteCampaign(input: $input) {
    __typename
    ... on DeleteCampaignPayload { deletedId }
    ... on Error { message }
  }
}`;

const PAGE = `query($filter: CampaignFilter, $first: Int, $after: String) {
  campaigns(filter: $filter, first: $first, after: $after) {
    totalCount
    edges { node { id name status lists { name } tags { name } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Campaign {
  id: string;
  name: string;
  channel: string;
  subject: string | null;
  body: string | null;
  status: string;
  scheduledAt: string | null;
  createdAt: string;
  updatedAt: string;
  lists: { id: string; name: string }[];
  tags: { id: string; name: string }[];
}
type Payload = {
  __typename: string;
  campaign?: Campaign;
  message?: string;
  resource?: string;
  deletedId?: string;
  issues?: { path: string[]; message: string }[];
};

async function list(accountId: string, name: string): Promise<string> {
  const row = await gateway.database.db
    .insertInto("lists")
    .values({ account_id: accountId, name })
    .returning("public_id")
    .executeTakeFirstOrThrow();
  return encodeGlobalID("List", row.public_id);
}

async function tag(accountId: string, name: string): Promise<string> {
  const row = await gateway.database.db
    .insertInto("tags")
    .values({ account_id: accountId, name })
    .returning("public_id")
    .executeTakeFirstOrThrow();
  return encodeGlobalID("Tag", row.public_id);
}

async function create(key: string, input: Record<string, unknown>): Promise<Payload> {
  const response = await gateway.graphql<{ createCampaign: Payload }>(CREATE, { input }, key);
  expect(response.errors).toBeUndefined();
  return response.data?.createCampaign as Payload;
}

async function update(key: string, input: Record<string, unknown>): Promise<Payload> {
  const response = await gateway.graphql<{ updateCampaign: Payload }>(UPDATE, { input }, key);
  expect(response.errors).toBeUndefined();
  return response.data?.updateCampaign as Payload;
}

async function remove(key: string, id: string): Promise<Payload> {
  const response = await gateway.graphql<{ deleteCampaign: Payload }>(
    DELETE,
    { input: { id } },
    key,
  );
  expect(response.errors).toBeUndefined();
  return response.data?.deleteCampaign as Payload;
}

function storedCampaigns(accountId: string) {
  return gateway.database.db
    .selectFrom("campaigns")
    .selectAll()
    .where("account_id", "=", accountId)
    .orderBy("id")
    .execute();
}

async function setStatus(
  globalId: string,
  status: "scheduled" | "sending" | "completed" | "failed",
) {
  const publicId = Buffer.from(globalId, "base64").toString().split(":")[1];
  await gateway.database.db
    .updateTable("campaigns")
    .set({ status })
    .where("public_id", "=", publicId)
    .execute();
}

describe("creating a campaign", () => {
  it("stores a draft with its lists and tags, in the order given", async () => {
    const { id, key } = await gateway.account();
    const news = await list(id, "Newsletter");
    const vip = await list(id, "VIP");
    const hot = await tag(id, "hot");
    const created = await create(key, {
      name: "  Spring sale ",
      channel: "SMS",
      subject: "Sale",
      body: "20% off",
      listIds: [vip, news],
      tagIds: [hot],
      scheduledAt: "2031-03-01T09:00:00Z",
    });
    expect(created.__typename).toBe("CreateCampaignPayload");
    expect(created.campaign).toMatchObject({
      name: "Spring sale",
      channel: "SMS",
      subject: "Sale",
      body: "20% off",
      status: "DRAFT",
      scheduledAt: "2031-03-01T09:00:00.000Z",
      lists: [
        { id: vip, name: "VIP" },
        { id: news, name: "Newsletter" },
      ],
      tags: [{ id: hot, name: "hot" }],
    });
    const [row] = await storedCampaigns(id);
    expect(row.list_ids).toHaveLength(2);
    expect(row.tag_ids).toHaveLength(1);
  });

  it("defaults to an email draft with no audience", async () => {
    const { key } = await gateway.account();
    const created = await create(key, { name: "Plain" });
    expect(created.campaign).toMatchObject({
      channel: "EMAIL",
      status: "DRAFT",
      subject: null,
      scheduledAt: null,
      lists: [],
      tags: [],
    });
  });

  it("wants a name, and stores nothing without one", async () => {
    const { id, key } = await gateway.account();
    const created = await create(key, { name: "   " });
    expect(created).toMatchObject({
      __typename: "ValidationError",
      issues: [{ path: ["input", "name"], message: "name is required" }],
    });
    expect(await storedCampaigns(id)).toEqual([]);
  });

  it("answers NotFoundError for another account's list, a malformed id or a tag id as a list", async () => {
    const mine = await gateway.account();
    const theirs = await gateway.account();
    const ownList = await list(mine.id, "mine");
    const foreign = await list(theirs.id, "theirs");
    const ownTag = await tag(mine.id, "t");
    for (const input of [
      { name: "x", listIds: [ownList, foreign] },
      { name: "x", listIds: ["bogus"] },
      { name: "x", listIds: [ownTag] },
      { name: "x", tagIds: [encodeGlobalID("Tag", "0".repeat(32))] },
    ]) {
      const created = await create(mine.key, input);
      expect(created.__typename).toBe("NotFoundError");
    }
    expect(await storedCampaigns(mine.id)).toEqual([]);
  });

  it("refuses an unknown channel and a bad timestamp with a GraphQL error and a 4xx", async () => {
    const { id, key } = await gateway.account();
    for (const input of [
      { name: "x", channel: "FAX" },
      { name: "x", scheduledAt: "next tuesday" },
      { name: 42 },
    ]) {
      const response = await gateway.graphql(CREATE, { input }, key);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.errors?.[0].message).toBeTruthy();
    }
    expect(await storedCampaigns(id)).toEqual([]);
  });
});

describe("changing a campaign", () => {
  it("changes only the fields given; null clears subject, body and schedule", async () => {
    const { id, key } = await gateway.account();
    const a = await list(id, "A");
    const b = await list(id, "B");
    const created = await create(key, {
      name: "Draft",
      subject: "Hello",
      body: "Body",
      listIds: [a],
      scheduledAt: "2031-01-01T00:00:00Z",
    });
    const campaignId = created.campaign?.id as string;

    const renamed = await update(key, { id: campaignId, subject: "Hi again", listIds: [b, a] });
    expect(renamed.campaign).toMatchObject({
      name: "Draft",
      subject: "Hi again",
      body: "Body",
      lists: [{ name: "B" }, { name: "A" }],
    });
    expect(Date.parse(renamed.campaign?.updatedAt ?? "")).toBeGreaterThan(
      Date.parse(created.campaign?.updatedAt ?? ""),
    );

    const cleared = await update(key, { id: campaignId, body: null, scheduledAt: null });
    expect(cleared.campaign).toMatchObject({
      subject: "Hi again",
      body: null,
      scheduledAt: null,
      lists: [{ name: "B" }, { name: "A" }],
    });

    const blank = await update(key, { id: campaignId, name: "" });
    expect(blank.__typename).toBe("ValidationError");
    expect((await storedCampaigns(id))[0].name).toBe("Draft");
  });

  it("leaves out a list deleted since the campaign was saved", async () => {
    const { id, key } = await gateway.account();
    const kept = await list(id, "kept");
    const gone = await list(id, "gone");
    const created = await create(key, { name: "c", listIds: [kept, gone] });
    await gateway.database.db.deleteFrom("lists").where("name", "=", "gone").execute();
    const node = await gateway.graphql<{ node: Campaign }>(
      "query($id: ID!) { node(id: $id) { ... on Campaign { lists { name } } } }",
      { id: created.campaign?.id },
      key,
    );
    expect(node.data?.node.lists).toEqual([{ name: "kept" }]);
  });

  it("refuses to change or delete a campaign that is sending or done, and changes nothing", async () => {
    const { id, key } = await gateway.account();
    const a = await list(id, "A");
    const created = await create(key, { name: "Launch", subject: "Go", listIds: [a] });
    const campaignId = created.campaign?.id as string;
    // A scheduled one returns to draft when edited (test/rest/botbat/campaigns-send.test.ts).
    for (const status of ["sending", "completed", "failed"] as const) {
      await setStatus(campaignId, status);
      const before = await storedCampaigns(id);

      const changed = await update(key, { id: campaignId, name: "Changed", listIds: [] });
      expect(changed.__typename).toBe("ConflictError");
      expect(changed.message).toMatch(/only a draft campaign can change/);

      const deleted = await remove(key, campaignId);
      expect(deleted.__typename).toBe("ConflictError");
      expect(deleted.message).toMatch(/only a draft campaign can change/);

      expect(await storedCampaigns(id)).toEqual(before);
    }
  });

  it("deletes a draft", async () => {
    const { id, key } = await gateway.account();
    const created = await create(key, { name: "Temporary" });
    const deleted = await remove(key, created.campaign?.id as string);
    expect(deleted).toEqual({
      __typename: "DeleteCampaignPayload",
      deletedId: created.campaign?.id,
    });
    expect(await storedCampaigns(id)).toEqual([]);
    const again = await remove(key, created.campaign?.id as string);
    expect(again.__typename).toBe("NotFoundError");
  });

  it("treats another account's campaign as unknown", async () => {
    const mine = await gateway.account();
    const theirs = await gateway.account();
    const created = await create(theirs.key, { name: "Theirs" });
    const campaignId = created.campaign?.id as string;
    expect((await update(mine.key, { id: campaignId, name: "Mine" })).__typename).toBe(
      "NotFoundError",
    );
    expect((await remove(mine.key, campaignId)).__typename).toBe("NotFoundError");
    expect((await update(mine.key, { id: "garbage", name: "Mine" })).__typename).toBe(
      "NotFoundError",
    );
    const node = await gateway.graphql<{ node: unknown }>(
      "query($id: ID!) { node(id: $id) { id } }",
      { id: campaignId },
      mine.key,
    );
    expect(node.data?.node).toBeNull();
    expect((await storedCampaigns(theirs.id))[0].name).toBe("Theirs");
  });
});

describe("listing campaigns", () => {
  it("filters by status and creation range, pages and counts", async () => {
    const { id, key } = await gateway.account();
    const ids: string[] = [];
    for (const name of ["jan", "feb", "mar", "apr"]) {
      ids.push((await create(key, { name })).campaign?.id as string);
    }
    const months = ["2030-01-15", "2030-02-15", "2030-03-15", "2030-04-15"];
    const rows = await storedCampaigns(id);
    for (const [index, row] of rows.entries()) {
      await gateway.database.db
        .updateTable("campaigns")
        .set({ created_at: `${months[index]}T12:00:00Z` })
        .where("id", "=", row.id)
        .execute();
    }
    await setStatus(ids[1], "scheduled");
    await setStatus(ids[3], "scheduled");

    type Page = {
      campaigns: {
        totalCount: number;
        edges: { node: { name: string; status: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    };
    const names = (page?: Page) => page?.campaigns.edges.map((edge) => edge.node.name);

    const scheduled = await gateway.graphql<Page>(PAGE, { filter: { status: "SCHEDULED" } }, key);
    expect(names(scheduled.data)).toEqual(["feb", "apr"]);
    expect(scheduled.data?.campaigns.totalCount).toBe(2);

    const range = await gateway.graphql<Page>(
      PAGE,
      { filter: { createdAfter: "2030-02-15T12:00:00Z", createdBefore: "2030-04-15T12:00:00Z" } },
      key,
    );
    expect(names(range.data)).toEqual(["feb", "mar"]);

    const first = await gateway.graphql<Page>(PAGE, { first: 3 }, key);
    expect(names(first.data)).toEqual(["jan", "feb", "mar"]);
    expect(first.data?.campaigns).toMatchObject({ totalCount: 4, pageInfo: { hasNextPage: true } });
    const rest = await gateway.graphql<Page>(
      PAGE,
      { first: 3, after: first.data?.campaigns.pageInfo.endCursor },
      key,
    );
    expect(names(rest.data)).toEqual(["apr"]);
  });

  it("loads the lists and tags of a whole page in the same few statements", async () => {
    const { id, key } = await gateway.account();
    const lists = [await list(id, "L1"), await list(id, "L2")];
    const tags = [await tag(id, "T1"), await tag(id, "T2")];
    for (let i = 0; i < 12; i++) await create(key, { name: `c${i}`, listIds: lists, tagIds: tags });

    const statementsFor = async (first: number) => {
      gateway.database.statements.reset();
      const page = await gateway.graphql<{ campaigns: { edges: Campaign[] } }>(
        PAGE,
        { first },
        key,
      );
      expect(page.errors).toBeUndefined();
      expect(page.data?.campaigns.edges).toHaveLength(first);
      return gateway.database.statements.count();
    };
    const few = await statementsFor(2);
    const many = await statementsFor(12);
    expect(many).toBe(few);
    expect(many).toBeLessThanOrEqual(5);
  });
});

describe("campaign scopes", () => {
  it("lets campaigns:read read but not write, and asks for a key", async () => {
    const { id, key } = await gateway.account();
    const created = await create(key, { name: "Scoped" });
    const reader = await gateway.key(id, ["campaigns:read"]);

    const read = await gateway.graphql<{ campaigns: { totalCount: number } }>(
      "{ campaigns { totalCount } }",
      {},
      reader,
    );
    expect(read.data?.campaigns.totalCount).toBe(1);

    for (const [query, input] of [
      [CREATE, { name: "no" }],
      [UPDATE, { id: created.campaign?.id, name: "no" }],
      [DELETE, { id: created.campaign?.id }],
    ] as const) {
      const denied = await gateway.graphql(query, { input }, reader);
      expect(denied.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    }
    const blocklistOnly = await gateway.key(id, ["blocklist:write"]);
    const denied = await gateway.graphql("{ campaigns { totalCount } }", {}, blocklistOnly);
    expect(denied.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    const anonymous = await gateway.graphql("{ campaigns { totalCount } }", {}, null);
    expect(anonymous.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
    expect((await storedCampaigns(id)).map((row) => row.name)).toEqual(["Scoped"]);
  });
});
