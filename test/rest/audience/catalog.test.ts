import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueKey } from "../../../src/domain/accounts/keys.js";
import { ok } from "../../graphql/subscribers-fixtures.js";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { audienceClient, expectError, expectTagError, publicId, stamp } from "./helpers.js";

// GET list, custom-field and tag: the documented envelopes exactly, over lists, fields and tags
// made through GraphQL.

let gateway: TestGateway;
let client: ReturnType<typeof audienceClient>;
beforeAll(async () => {
  gateway = await startTestGateway();
  client = audienceClient(gateway);
});
afterAll(() => gateway.close());

async function createList(key: string, name: string): Promise<string> {
  const payload = await ok<{ list: { id: string } }>(
    gateway,
    key,
    "createList",
    { name },
    "list { id }",
  );
  return publicId(payload.list.id);
}

async function createTag(key: string, name: string, status?: string): Promise<string> {
  const payload = await ok<{ tag: { id: string } }>(
    gateway,
    key,
    "createTag",
    { name, ...(status ? { status } : {}) },
    "tag { id }",
  );
  return publicId(payload.tag.id);
}

async function createField(key: string, input: Record<string, unknown>): Promise<string> {
  const payload = await ok<{ customField: { id: string } }>(
    gateway,
    key,
    "createCustomField",
    input,
    "customField { id }",
  );
  return publicId(payload.customField.id);
}

async function stampsOf(table: "lists" | "tags" | "custom_fields", id: string) {
  const row = await gateway.database.db
    .selectFrom(table)
    .select(["created_at", "updated_at"])
    .where("public_id", "=", id)
    .executeTakeFirstOrThrow();
  return { created: stamp(row.created_at), updated: stamp(row.updated_at) };
}

describe("GET /audience/v1/{sid}/list", () => {
  it("answers the documented envelope with lists made through GraphQL", async () => {
    const { sid, key } = await gateway.account("lists");
    const id = await createList(key, "list-4");
    const { created, updated } = await stampsOf("lists", id);
    const answer = await client.get(sid, "list", key);
    expect(answer.status).toBe(200);
    expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
    expect(answer.body).toEqual({
      data: [{ name: "list-4", list_id: id, status: 1, created_at: created, updated_at: updated }],
      error: {},
      limit: 10,
      message: "Request processed successfully.",
      status: 200,
      total: 1,
    });
    // Key order as in the sample, for clients that compare text.
    expect(Object.keys(answer.body)).toEqual([
      "data",
      "error",
      "limit",
      "message",
      "status",
      "total",
    ]);
    expect(Object.keys(answer.body.data[0])).toEqual([
      "name",
      "list_id",
      "status",
      "created_at",
      "updated_at",
    ]);
    expect(created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it("pages 1-based with pageSize (default 10), oldest first, and filters by part of the name", async () => {
    const { sid, key } = await gateway.account("paging");
    const names = Array.from({ length: 12 }, (_, i) => `List ${String(i + 1).padStart(2, "0")}`);
    for (const name of names) await createList(key, name);
    await createList(key, "Weekly 100%_off");

    const first = await client.get(sid, "list", key);
    expect(first.body).toMatchObject({ limit: 10, total: 13 });
    expect(first.body.data.map((list: { name: string }) => list.name)).toEqual(names.slice(0, 10));
    const second = await client.get(sid, "list", key, { page: "2" });
    expect(second.body.data.map((list: { name: string }) => list.name)).toEqual([
      ...names.slice(10),
      "Weekly 100%_off",
    ]);
    const fives = await client.get(sid, "list", key, { pageSize: "5", page: "3" });
    expect(fives.body).toMatchObject({ limit: 5, total: 13 });
    expect(fives.body.data.map((list: { name: string }) => list.name)).toEqual([
      ...names.slice(10),
      "Weekly 100%_off",
    ]);
    const beyond = await client.get(sid, "list", key, { pageSize: "5", page: "4" });
    expect(beyond.status).toBe(200);
    expect(beyond.body).toMatchObject({ data: [], limit: 5, total: 13 });
    const all = await client.get(sid, "list", key, { pageSize: "100" });
    expect(all.body.data).toHaveLength(13);

    const filtered = await client.get(sid, "list", key, { name: "list 1" });
    expect(filtered.body).toMatchObject({ total: 3, limit: 10 });
    expect(filtered.body.data.map((list: { name: string }) => list.name)).toEqual([
      "List 10",
      "List 11",
      "List 12",
    ]);
    // % and _ are plain characters, not patterns.
    const literal = await client.get(sid, "list", key, { name: "100%_" });
    expect(literal.body.data.map((list: { name: string }) => list.name)).toEqual([
      "Weekly 100%_off",
    ]);
    const none = await client.get(sid, "list", key, { name: "%" });
    expect(none.body).toMatchObject({ total: 1 });
    const blank = await client.get(sid, "list", key, { name: " " });
    expect(blank.body.total).toBe(13);
  });

  it("refuses a bad page or pageSize with a 400 naming it", async () => {
    const { sid, key } = await gateway.account("bad-paging");
    for (const query of [
      { page: "0" } as Record<string, string>,
      { page: "-1" },
      { page: "two" },
      { page: "1.5" },
      { pageSize: "0" },
      { pageSize: "101" },
      { pageSize: "ten" },
    ]) {
      const answer = await client.get(sid, "list", key, query);
      expectError(answer, 400, "VALIDATION_ERROR");
      expect(answer.body.error.details).toEqual([
        { field: Object.keys(query)[0], message: expect.stringMatching(/whole number from 1 to/) },
      ]);
    }
  });
});

describe("GET /audience/v1/{sid}/custom-field", () => {
  it("answers every type with its values, required, default and status", async () => {
    const { sid, key } = await gateway.account("fields");
    const age = await createField(key, { name: "age", type: "STRING" });
    const score = await createField(key, {
      name: "score",
      type: "NUMBER",
      required: true,
      default: 5,
    });
    const vip = await createField(key, { name: "vip", type: "BOOLEAN", default: false });
    const since = await createField(key, { name: "since", type: "DATE" });
    const size = await createField(key, {
      name: "size",
      type: "DROPDOWN",
      options: ["S", "M", "L"],
      default: "M",
    });
    const answer = await client.get(sid, "custom-field", key);
    expect(answer.status).toBe(200);
    const expected = [];
    for (const [id, name, type, values, required, fallback] of [
      [age, "age", "string", "", 0, ""],
      [score, "score", "numeric", "", 1, "5"],
      [vip, "vip", "boolean", "", 0, "false"],
      [since, "since", "date", "", 0, ""],
      [size, "size", "dropdown", "S,M,L", 0, "M"],
    ] as const) {
      const { created, updated } = await stampsOf("custom_fields", id);
      expected.push({
        name,
        custom_id: id,
        type,
        values,
        status: 1,
        created_at: created,
        updated_at: updated,
        required,
        default: fallback,
      });
    }
    expect(answer.body).toEqual({
      data: expected,
      error: {},
      limit: 10,
      message: "Request processed successfully.",
      status: 200,
      total: 5,
    });
    expect(Object.keys(answer.body.data[0])).toEqual([
      "name",
      "custom_id",
      "type",
      "values",
      "status",
      "created_at",
      "updated_at",
      "required",
      "default",
    ]);

    const paged = await client.get(sid, "custom-field", key, { pageSize: "2", page: "3" });
    expect(paged.body).toMatchObject({ limit: 2, total: 5 });
    expect(paged.body.data.map((field: { name: string }) => field.name)).toEqual(["size"]);
    const named = await client.get(sid, "custom-field", key, { name: "S" });
    expect(named.body.data.map((field: { name: string }) => field.name)).toEqual([
      "score",
      "since",
      "size",
    ]);
  });

  it("lists a list's own fields beside the account-wide ones", async () => {
    const { sid, key } = await gateway.account("list-fields");
    const list = await ok<{ list: { id: string } }>(
      gateway,
      key,
      "createList",
      { name: "L" },
      "list { id }",
    );
    await createField(key, { name: "city", type: "STRING" });
    await createField(key, { name: "branch", type: "STRING", listId: list.list.id });
    const answer = await client.get(sid, "custom-field", key);
    expect(answer.body.data.map((field: { name: string }) => field.name)).toEqual([
      "city",
      "branch",
    ]);
  });
});

describe("GET /audience/v1/{sid}/tag", () => {
  it("answers the tag envelope, active tags by default, inactive with status=2", async () => {
    const { sid, key } = await gateway.account("tags");
    const fresh = await createTag(key, "new-contacts");
    const old = await createTag(key, "old-contacts", "INACTIVE");
    const stamps = await stampsOf("tags", fresh);
    const answer = await client.get(sid, "tag", key);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      data: [
        {
          tag_id: fresh,
          name: "new-contacts",
          status: 1,
          created_at: stamps.created,
          modified_at: stamps.updated,
        },
      ],
      limit: 10,
      message: "Success",
      status: true,
      statuscode: 200,
      total: 1,
    });
    expect(Object.keys(answer.body)).toEqual([
      "data",
      "limit",
      "message",
      "status",
      "statuscode",
      "total",
    ]);
    expect(Object.keys(answer.body.data[0])).toEqual([
      "tag_id",
      "name",
      "status",
      "created_at",
      "modified_at",
    ]);
    expect((await client.get(sid, "tag", key, { status: "1" })).body.data).toEqual(
      answer.body.data,
    );

    const inactive = await client.get(sid, "tag", key, { status: "2" });
    const oldStamps = await stampsOf("tags", old);
    expect(inactive.body).toMatchObject({ total: 1, statuscode: 200 });
    expect(inactive.body.data).toEqual([
      {
        tag_id: old,
        name: "old-contacts",
        status: 2,
        created_at: oldStamps.created,
        modified_at: oldStamps.updated,
      },
    ]);
  });

  it("pages and filters tags by name; a bad status or page is a 400 in the tag envelope", async () => {
    const { sid, key } = await gateway.account("tag-paging");
    for (const name of ["alpha", "beta", "gamma", "Alphabet"]) await createTag(key, name);
    const page = await client.get(sid, "tag", key, { pageSize: "2", page: "2" });
    expect(page.body).toMatchObject({ limit: 2, total: 4 });
    expect(page.body.data.map((tag: { name: string }) => tag.name)).toEqual(["gamma", "Alphabet"]);
    const named = await client.get(sid, "tag", key, { name: "ALPHA" });
    expect(named.body.data.map((tag: { name: string }) => tag.name)).toEqual(["alpha", "Alphabet"]);

    for (const query of [
      { status: "3" } as Record<string, string>,
      { status: "active" },
      { pageSize: "1000" },
    ]) {
      const answer = await client.get(sid, "tag", key, query);
      expectTagError(answer, 400, "VALIDATION_ERROR");
      expect(answer.body.error.details[0].field).toBe(Object.keys(query)[0]);
    }
  });
});

describe("authentication: sid in the path plus the api-key header", () => {
  it("refuses a missing, malformed, unknown or revoked key, another account's key and an unknown sid", async () => {
    const mine = await gateway.account("auth-mine");
    const theirs = await gateway.account("auth-theirs");
    await createList(theirs.key, "their list");
    // Issuing a key with a label revokes the account's previous key with that label.
    const revoked = (await issueKey(gateway.database.db, mine.id, { label: "audience" })).secret;
    const rotated = (await issueKey(gateway.database.db, mine.id, { label: "audience" })).secret;
    expect((await client.get(mine.sid, "list", rotated)).status).toBe(200);
    const cases: [string, string | null][] = [
      [mine.sid, null],
      [mine.sid, ""],
      [mine.sid, "not-a-key"],
      [mine.sid, "0".repeat(40)],
      [mine.sid, revoked],
      [mine.sid, theirs.key],
      [theirs.sid, mine.key],
      ["0".repeat(32), mine.key],
      ["not-a-sid", mine.key],
    ];
    for (const [sid, key] of cases) {
      for (const path of ["list", "custom-field"]) {
        const answer = await client.get(sid, path, key);
        expectError(answer, 401, "UNAUTHORIZED", /Invalid sid or api-key/);
      }
      expectTagError(await client.get(sid, "tag", key), 401, "UNAUTHORIZED");
    }
    // The pair that matches still works, and the sid is read in any case.
    expect((await client.get(mine.sid.toUpperCase(), "list", mine.key)).status).toBe(200);
  });

  it("answers 403 when the key lacks the endpoint's scope", async () => {
    const account = await gateway.account("scopes");
    const tagsOnly = await gateway.key(account.id, ["tags:read"]);
    expect((await client.get(account.sid, "tag", tagsOnly)).status).toBe(200);
    expectError(await client.get(account.sid, "list", tagsOnly), 403, "FORBIDDEN", /lists:read/);
    expectError(await client.get(account.sid, "custom-field", tagsOnly), 403, "FORBIDDEN");
    expectError(
      await client.post(account.sid, tagsOnly, { data: [{ email: "a@example.com" }] }),
      403,
      "FORBIDDEN",
      /subscribers:write/,
    );
  });

  it("answers an unknown path under the prefix in the dialect's envelope", async () => {
    const { sid, key } = await gateway.account("paths");
    expectError(await client.get(sid, "lists", key), 404, "NOT_FOUND");
    expectError(await client.get(sid, "contact", key), 404, "NOT_FOUND");
  });
});
