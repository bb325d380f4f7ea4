import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { type Botbat, botbat } from "./contacts-client.js";

// GET /v1/contacts: keyset pages to the end, filters by tag name, segment (a list) and creation
// time, a constant number of statements per page, and the bad queries (limit 0 and 1000, bad
// cursors and dates) with their errors.

let gateway: TestGateway;
let accountId: string;
let api: Botbat;
const ids: string[] = [];

type Contact = { id: string; email: string; tags: string[]; properties: Record<string, unknown> };
type Page = { data: Contact[]; cursor: string | null; total: number };
type ErrorBody = {
  error: { code: string; message: string; details?: { field: string; message: string }[] };
};

beforeAll(async () => {
  gateway = await startTestGateway();
  const account = await gateway.account();
  accountId = account.id;
  api = botbat(gateway, account.key);
  for (let i = 0; i < 7; i++) {
    const created = await api.post<Contact>("/v1/contacts", {
      email: `c${i}@example.com`,
      name: `Person ${i}`,
      tags: i % 2 === 0 ? ["Even", `t${i}`] : [`t${i}`],
      properties: { rank: i },
    });
    expect(created.status).toBe(201);
    ids.push(created.body.id);
  }
  // Creation times spread over days, oldest first, for the range filters.
  await sql`update subscribers set created_at = timestamptz '2026-01-01T00:00:00Z' + (id - (select min(id) from subscribers where account_id = ${accountId})) * interval '1 day'
    where account_id = ${accountId}`.execute(gateway.database.db);
});
afterAll(async () => {
  await gateway?.close();
});

async function allPages(path: string): Promise<{ pages: Page[]; emails: string[] }> {
  const pages: Page[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes("?") ? "&" : "?";
    const answer: { status: number; body: Page } = await api.get<Page>(
      cursor ? `${path}${separator}cursor=${cursor}` : path,
    );
    expect(answer.status).toBe(200);
    pages.push(answer.body);
    cursor = answer.body.cursor;
  } while (cursor !== null && pages.length < 20);
  return { pages, emails: pages.flatMap((page) => page.data.map((contact) => contact.email)) };
}

describe("GET /v1/contacts", () => {
  it("pages by cursor to the end (cursor null), oldest first, with the total on every page", async () => {
    const { pages, emails } = await allPages("/v1/contacts?limit=3");
    expect(pages.map((page) => page.data.length)).toEqual([3, 3, 1]);
    expect(pages.every((page) => page.total === 7)).toBe(true);
    expect(emails).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `c${i}@example.com`));
    expect(pages[0].data[0]).toMatchObject({
      id: ids[0],
      tags: ["Even", "t0"],
      properties: { rank: 0 },
    });
    // The default page is 25.
    const first = await api.get<Page>("/v1/contacts");
    expect(first.body.data).toHaveLength(7);
    expect(first.body.cursor).toBeNull();
  });

  it("filters by tag name in any case, by segment (a list), and by creation range", async () => {
    const even = await allPages("/v1/contacts?tag=even&limit=2");
    expect(even.emails).toEqual([
      "c0@example.com",
      "c2@example.com",
      "c4@example.com",
      "c6@example.com",
    ]);
    expect(even.pages[0].total).toBe(4);
    const unknownTag = await api.get<Page>("/v1/contacts?tag=nobody");
    expect(unknownTag.body).toEqual({ data: [], cursor: null, total: 0 });

    const db = gateway.database.db;
    const list = await db
      .insertInto("lists")
      .values({ account_id: accountId, name: "Segment" })
      .returning(["id", "public_id"])
      .executeTakeFirstOrThrow();
    const members = await db
      .selectFrom("subscribers")
      .select("id")
      .where("account_id", "=", accountId)
      .where("email", "in", ["c1@example.com", "c5@example.com"])
      .execute();
    await db
      .insertInto("subscriptions")
      .values(
        members.map((member) => ({
          account_id: accountId,
          list_id: list.id,
          subscriber_id: member.id,
        })),
      )
      .execute();
    const segment = await api.get<Page>(`/v1/contacts?segment=${list.public_id}`);
    expect(segment.body.data.map((contact) => contact.email)).toEqual([
      "c1@example.com",
      "c5@example.com",
    ]);
    expect(segment.body.total).toBe(2);

    // Day 0 is c0: [2026-01-03, 2026-01-05T00:00:00+00:00) holds c2 and c3.
    const range = await api.get<Page>(
      "/v1/contacts?created_after=2026-01-03&created_before=2026-01-05T00:00:00%2B00:00",
    );
    expect(range.body.data.map((contact) => contact.email)).toEqual([
      "c2@example.com",
      "c3@example.com",
    ]);
    const combined = await api.get<Page>(
      "/v1/contacts?tag=Even&created_after=2026-01-04T00:00:00Z",
    );
    expect(combined.body.data.map((contact) => contact.email)).toEqual([
      "c4@example.com",
      "c6@example.com",
    ]);
  });

  it("reads a page's tags and properties in set-based statements: as many for 25 contacts as for 2", async () => {
    const { statements } = gateway.database;
    statements.reset();
    expect((await api.get<Page>("/v1/contacts?limit=2")).body.data).toHaveLength(2);
    const few = statements.count();
    statements.reset();
    expect((await api.get<Page>("/v1/contacts?limit=25")).body.data).toHaveLength(7);
    const many = statements.count();
    expect(many).toBe(few);
    expect(many).toBeLessThanOrEqual(4);
  });

  it("counts the total on the first page only: the next pages carry it, a changed filter counts again", async () => {
    const { statements } = gateway.database;
    const counts = () => statements.sql().filter((text) => /count\(/i.test(text)).length;
    statements.reset();
    const first = await api.get<Page>("/v1/contacts?limit=3");
    expect(counts()).toBe(1);
    statements.reset();
    const second = await api.get<Page>(`/v1/contacts?limit=3&cursor=${first.body.cursor}`);
    expect(second.body).toMatchObject({ total: 7 });
    expect(second.body.data).toHaveLength(3);
    expect(counts()).toBe(0);
    // The same cursor under another filter: the position holds, the total is counted for it.
    statements.reset();
    const even = await api.get<Page>(`/v1/contacts?limit=3&tag=even&cursor=${first.body.cursor}`);
    expect(counts()).toBe(1);
    expect(even.body.total).toBe(4);
    expect(even.body.data.map((contact) => contact.email)).toEqual([
      "c4@example.com",
      "c6@example.com",
    ]);
  });

  it("answers 422 for limit 0, 1000 and bad dates, 400 for a bad cursor, and only the account's contacts", async () => {
    for (const limit of ["0", "1000", "abc"]) {
      const answer = await api.get<ErrorBody>(`/v1/contacts?limit=${limit}`);
      expect(answer.status).toBe(422);
      expect(answer.body.error.code).toBe("validation_error");
      expect(answer.body.error.details?.[0].field).toBe("limit");
    }
    const badDate = await api.get<ErrorBody>(
      "/v1/contacts?created_after=yesterday&created_before=2026-13-01",
    );
    expect(badDate.status).toBe(422);
    expect(badDate.body.error.details?.map((detail) => detail.field).sort()).toEqual([
      "created_after",
      "created_before",
    ]);
    for (const cursor of [
      "garbage!",
      "WzEsMl0",
      Buffer.from(JSON.stringify([1, "x; drop"])).toString("base64url"),
    ]) {
      const answer = await api.get<ErrorBody>(`/v1/contacts?cursor=${cursor}`);
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe("invalid_request");
    }
    // A search cursor is no list cursor.
    const search = await api.get<Page>("/v1/contacts/search?q=person&limit=1");
    expect(search.body.cursor).not.toBeNull();
    expect((await api.get(`/v1/contacts?cursor=${search.body.cursor}`)).status).toBe(400);

    const other = await gateway.account("other");
    const theirs = botbat(gateway, other.key);
    expect((await theirs.get<Page>("/v1/contacts")).body).toEqual({
      data: [],
      cursor: null,
      total: 0,
    });
  });
});
