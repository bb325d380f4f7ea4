import { encodeGlobalID } from "@pothos/plugin-relay";
import type { Runner } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createField,
  createSubscriber,
  createTag,
  ok,
  SUBSCRIBER,
  snapshot,
} from "../../graphql/subscribers-fixtures.js";
import type { TestGateway } from "../../helpers/server.js";
import { startTestGateway } from "../../helpers/server.js";
import { startTestWorker, waitForImport } from "../../imports/fixtures.js";
import { type Answer, audienceClient, expectError, publicId } from "./helpers.js";

// POST contact: the 202 body of the sample, per-contact reasons, request-level refusals that
// write nothing, and the job (a real worker) that writes the valid contacts.

let gateway: TestGateway;
let worker: Runner;
let client: ReturnType<typeof audienceClient>;
beforeAll(async () => {
  gateway = await startTestGateway();
  worker = await startTestWorker(gateway);
  client = audienceClient(gateway);
});
afterAll(async () => {
  await worker.stop();
  await gateway.close();
});

async function createList(key: string, name: string) {
  const payload = await ok<{ list: { id: string } }>(
    gateway,
    key,
    "createList",
    { name },
    "list { id }",
  );
  return payload.list.id;
}

/** Waits for the import the 202 queued, and expects it completed. */
async function settle(answer: Answer, key: string) {
  const importId = answer.headers.get("x-import-id");
  expect(importId, answer.text).toMatch(/^[0-9a-f]{32}$/);
  const done = await waitForImport(gateway, key, encodeGlobalID("Import", importId as string));
  expect(done.status, JSON.stringify(done)).toBe("COMPLETED");
  return done;
}

interface Found {
  email: string;
  firstName: string | null;
  lastName: string | null;
  tags: { id: string; name: string }[];
  customValues: { field: { name: string }; [key: string]: unknown }[];
  subscriptions: { list: { id: string; name: string }; source: string }[];
}

async function subscribersOf(key: string): Promise<Found[]> {
  const response = await gateway.graphql<{ subscribers: { edges: { node: Found }[] } }>(
    `{ subscribers(first: 100) { edges { node { ${SUBSCRIBER}
        subscriptions { list { id name } source } } } } }`,
    {},
    key,
  );
  expect(response.errors).toBeUndefined();
  return response.data?.subscribers.edges.map((edge) => edge.node) ?? [];
}

async function everything(accountId: string) {
  const imports = await gateway.database.db
    .selectFrom("imports")
    .select("id")
    .where("account_id", "=", accountId)
    .execute();
  const subscriptions = await gateway.database.db
    .selectFrom("subscriptions")
    .select("id")
    .where("account_id", "=", accountId)
    .execute();
  return { ...(await snapshot(gateway, accountId)), imports, subscriptions };
}

describe("POST /audience/v1/{sid}/contact", () => {
  it("answers the sample's 202 and writes the valid contacts with the list and tags", async () => {
    const account = await gateway.account("sample");
    const { sid, key } = account;
    await createField(gateway, key, { name: "city", type: "STRING" });
    await createField(gateway, key, { name: "age", type: "NUMBER" });
    const list = await createList(key, "list-4");
    const tag = await createTag(gateway, key, "new-contacts");
    const other = await createTag(gateway, key, "api");
    const john = {
      email: "test@kasplo.com",
      first_name: "John",
      last_name: "Doe",
      custom_fields: { city: "Bangalore", age: "25" },
    };
    const avi = {
      first_name: "Avi",
      last_name: "S",
      email: "avinash+api1@kasplo.com",
      custom_fields: { city: "Mysore", age: "27" },
    };
    const again = { ...avi, first_name: "Avinash", email: "AVINASH+api1@kasplo.com" };
    const answer = await client.post(sid, key, {
      update_subscribers: true,
      data: [john, avi, again],
      list_id: publicId(list),
      tags: [publicId(tag.id), publicId(other.id)],
    });
    expect(answer.status, answer.text).toBe(202);
    expect(answer.body).toEqual({
      status: 202,
      message: "Request processed successfully.",
      data: {
        invalid_contacts: [{ ...again, string: "Contact already exists in request, not unique" }],
        total_invalid: 1,
        total_valid: 2,
        valid_contacts: [john, avi],
      },
      error: {},
    });
    expect(Object.keys(answer.body)).toEqual(["status", "message", "data", "error"]);
    expect(Object.keys(answer.body.data)).toEqual([
      "invalid_contacts",
      "total_invalid",
      "total_valid",
      "valid_contacts",
    ]);
    // The contact as sent, in its own key order, then the reason.
    expect(Object.keys(answer.body.data.invalid_contacts[0])).toEqual([
      "first_name",
      "last_name",
      "email",
      "custom_fields",
      "string",
    ]);

    const done = await settle(answer, key);
    expect(done).toMatchObject({ source: "audience", total: 2, created: 2, invalid: 0 });
    const found = await subscribersOf(key);
    expect(found.map((s) => s.email).sort()).toEqual([
      "avinash+api1@kasplo.com",
      "test@kasplo.com",
    ]);
    const avinash = found.find((s) => s.email === "avinash+api1@kasplo.com") as Found;
    expect(avinash).toMatchObject({ firstName: "Avi", lastName: "S" });
    expect(avinash.tags.map((t) => t.name).sort()).toEqual(["api", "new-contacts"]);
    expect(avinash.subscriptions.map((s) => s.list)).toEqual([{ id: list, name: "list-4" }]);
    expect(avinash.customValues).toEqual([
      {
        __typename: "StringCustomValue",
        field: expect.objectContaining({ name: "city" }),
        text: "Mysore",
      },
      {
        __typename: "NumberCustomValue",
        field: expect.objectContaining({ name: "age" }),
        number: 27,
      },
    ]);
  });

  it("refuses an existing email unless update_subscribers, which then updates it", async () => {
    const { sid, key } = await gateway.account("existing");
    await createField(gateway, key, { name: "plan", type: "DROPDOWN", options: ["free", "pro"] });
    await createSubscriber(gateway, key, { email: "known@example.com", firstName: "Old" });
    const known = { email: "Known@Example.com", first_name: "New", custom_fields: { plan: "PRO" } };
    const fresh = { email: "fresh@example.com" };

    const refused = await client.post(sid, key, { data: [known, fresh] });
    expect(refused.status).toBe(202);
    expect(refused.body.data).toEqual({
      invalid_contacts: [{ ...known, string: "Contact already exists" }],
      total_invalid: 1,
      total_valid: 1,
      valid_contacts: [fresh],
    });
    await settle(refused, key);
    let found = await subscribersOf(key);
    expect(found.find((s) => s.email === "known@example.com")).toMatchObject({ firstName: "Old" });
    expect(found.map((s) => s.email).sort()).toEqual(["fresh@example.com", "known@example.com"]);

    const updating = await client.post(sid, key, { update_subscribers: true, data: [known] });
    expect(updating.body.data).toEqual({
      invalid_contacts: [],
      total_invalid: 0,
      total_valid: 1,
      valid_contacts: [known],
    });
    expect(await settle(updating, key)).toMatchObject({ created: 0, updated: 1 });
    found = await subscribersOf(key);
    const updated = found.find((s) => s.email === "known@example.com") as Found;
    expect(updated.firstName).toBe("New");
    expect(updated.customValues).toMatchObject([{ choice: "pro" }]);
  });

  it("lists each bad contact with its reason and writes only the good ones", async () => {
    const account = await gateway.account("reasons");
    const { sid, key } = account;
    await createField(gateway, key, { name: "age", type: "NUMBER" });
    await createField(gateway, key, { name: "member", type: "BOOLEAN", required: true });
    await createField(gateway, key, { name: "size", type: "DROPDOWN", options: ["S", "M"] });
    await createField(gateway, key, { name: "since", type: "DATE" });
    const good = {
      email: "good@example.com",
      custom_fields: { member: true, since: "2024-02-29" },
    };
    const bad: [Record<string, unknown>, string][] = [
      [{ first_name: "No email", custom_fields: { member: true } }, "Email is required"],
      [{ email: "", custom_fields: { member: true } }, "Email is required"],
      [{ email: 42, custom_fields: { member: true } }, "Email must be a string"],
      [{ email: "not-an-email", custom_fields: { member: true } }, 'Invalid email: "not-an-email"'],
      [
        { email: "a@example.com", first_name: 7, custom_fields: { member: true } },
        "first_name must be a string",
      ],
      [
        { email: "b@example.com", last_name: ["x"], custom_fields: { member: true } },
        "last_name must be a string",
      ],
      [
        { email: "c@example.com", custom_fields: "member" },
        "custom_fields must be an object of values by custom field name",
      ],
      [
        { email: "d@example.com", custom_fields: { member: true, city: "Paris" } },
        'Custom field "city" does not exist',
      ],
      [
        { email: "e@example.com", custom_fields: { member: true, age: "old" } },
        'Invalid value for custom field "age": "old" is not a number',
      ],
      [
        { email: "f@example.com", custom_fields: { member: true, size: "XL" } },
        'Invalid value for custom field "size": "XL" is not one of the options (S, M)',
      ],
      [
        { email: "g@example.com", custom_fields: { member: "maybe" } },
        'Invalid value for custom field "member": "maybe" is not a boolean (true or false)',
      ],
      [
        { email: "h@example.com", custom_fields: { member: true, since: "2023-02-29" } },
        'Invalid value for custom field "since": "2023-02-29" is not a date (YYYY-MM-DD)',
      ],
      [{ email: "i@example.com" }, 'Custom field "member" is required'],
      [
        { email: "j@example.com", custom_fields: { member: "" } },
        'Custom field "member" is required',
      ],
      [{ ...good, first_name: "Twin" }, "Contact already exists in request, not unique"],
    ];
    // A duplicate of an invalid contact is judged on its own: the first valid one wins.
    const second = { email: "g@example.com", custom_fields: { member: "yes", size: "m" } };
    const answer = await client.post(sid, key, { data: [good, ...bad.map(([c]) => c), second] });
    expect(answer.status).toBe(202);
    expect(answer.body.data).toEqual({
      invalid_contacts: bad.map(([contact, reason]) => ({ ...contact, string: reason })),
      total_invalid: bad.length,
      total_valid: 2,
      valid_contacts: [good, second],
    });
    await settle(answer, key);
    const found = await subscribersOf(key);
    expect(found.map((s) => s.email).sort()).toEqual(["g@example.com", "good@example.com"]);
    expect(found.find((s) => s.email === "g@example.com")?.customValues).toMatchObject([
      { flag: true },
      { choice: "M" },
    ]);
  });

  it("uses the list's own fields, defaults for required ones, and a field named like a column", async () => {
    const { sid, key } = await gateway.account("field-scopes");
    const list = await createList(key, "Stores");
    await createField(gateway, key, { name: "branch", type: "STRING", listId: list });
    await createField(gateway, key, { name: "tier", type: "NUMBER", required: true, default: 1 });
    await createField(gateway, key, { name: "Mobile", type: "STRING" });
    const contact = { email: "m@example.com", custom_fields: { branch: "North", mobile: "555" } };

    const noList = await client.post(sid, key, { data: [contact] });
    expect(noList.body.data.invalid_contacts).toEqual([
      { ...contact, string: 'Custom field "branch" does not exist' },
    ]);
    // The default update_subscribers (false): a new contact still gets the required field's default.
    const answer = await client.post(sid, key, { list_id: publicId(list), data: [contact] });
    expect(answer.body.data).toMatchObject({ total_valid: 1, total_invalid: 0 });
    await settle(answer, key);
    const [found] = await subscribersOf(key);
    // "Mobile" is the custom field, not the phone column an import header of that name feeds.
    expect(found).toMatchObject({ email: "m@example.com", phone: null });
    expect(
      found.customValues.map((value) => [value.field.name, value.text ?? value.number]),
    ).toEqual([
      ["branch", "North"],
      ["tier", 1],
      ["Mobile", "555"],
    ]);
  });

  it("queues nothing when every contact is invalid", async () => {
    const account = await gateway.account("all-invalid");
    const before = await everything(account.id);
    const answer = await client.post(account.sid, account.key, { data: [{ email: "nope" }] });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({
      status: 202,
      message: "Request processed successfully.",
      data: {
        invalid_contacts: [{ email: "nope", string: 'Invalid email: "nope"' }],
        total_invalid: 1,
        total_valid: 0,
        valid_contacts: [],
      },
      error: {},
    });
    expect(answer.headers.get("x-import-id")).toBeNull();
    expect(await everything(account.id)).toEqual(before);
  });
});

describe("POST contact: requests refused as a whole write nothing", () => {
  it("refuses malformed JSON, wrong types, too many contacts, unknown or foreign ids", async () => {
    const account = await gateway.account("refusals");
    const theirs = await gateway.account("refusals-other");
    const { sid, key } = account;
    const list = publicId(await createList(key, "mine"));
    const tag = publicId((await createTag(gateway, key, "mine")).id);
    const theirList = publicId(await createList(theirs.key, "theirs"));
    const theirTag = publicId((await createTag(gateway, theirs.key, "theirs")).id);
    const contact = { email: "someone@example.com" };
    const many = Array.from({ length: 101 }, (_, i) => ({ email: `p${i}@example.com` }));
    const before = await everything(account.id);
    const theirsBefore = await everything(theirs.id);

    const cases: [unknown, number, string, RegExp, string?][] = [
      ['{"data": [', 400, "MALFORMED_JSON", /not valid JSON/],
      ["", 400, "MALFORMED_JSON", /not valid JSON/],
      [[contact], 400, "VALIDATION_ERROR", /body must be a JSON object/, ""],
      [{}, 400, "VALIDATION_ERROR", /data must be an array of contacts/, "data"],
      [{ data: contact }, 400, "VALIDATION_ERROR", /data must be an array/, "data"],
      [{ data: [] }, 400, "VALIDATION_ERROR", /at least one contact/, "data"],
      [
        { data: many },
        400,
        "VALIDATION_ERROR",
        /at most 100 contacts per request \(got 101\)/,
        "data",
      ],
      [
        { data: ["x@example.com"] },
        400,
        "VALIDATION_ERROR",
        /each contact must be a JSON object/,
        "data.0",
      ],
      [
        { data: [contact, null] },
        400,
        "VALIDATION_ERROR",
        /each contact must be a JSON object/,
        "data.1",
      ],
      [
        { data: [contact], update_subscribers: "yes" },
        400,
        "VALIDATION_ERROR",
        /true or false/,
        "update_subscribers",
      ],
      [{ data: [contact], list_id: 5 }, 400, "VALIDATION_ERROR", /list id/, "list_id"],
      [{ data: [contact], tags: tag }, 400, "VALIDATION_ERROR", /array of tag ids/, "tags"],
      [{ data: [contact], tags: [tag, 7] }, 400, "VALIDATION_ERROR", /tag id/, "tags.1"],
      [{ data: [contact], list_id: "0".repeat(32) }, 400, "VALIDATION_ERROR", /no list/, "list_id"],
      [{ data: [contact], list_id: theirList }, 400, "VALIDATION_ERROR", /no list/, "list_id"],
      [
        { data: [contact], list_id: list, tags: [tag, "nope"] },
        400,
        "VALIDATION_ERROR",
        /no tag nope/,
        "tags.1",
      ],
      [{ data: [contact], tags: [theirTag] }, 400, "VALIDATION_ERROR", /no tag/, "tags.0"],
    ];
    for (const [body, status, code, message, field] of cases) {
      const answer = await client.post(sid, key, body);
      expectError(answer, status, code, message);
      if (field !== undefined) expect(answer.body.error.details[0].field, answer.text).toBe(field);
    }
    expect(await everything(account.id)).toEqual(before);
    expect(await everything(theirs.id)).toEqual(theirsBefore);
  });

  it("refuses a body over 1 MB with a 413", async () => {
    const account = await gateway.account("too-large");
    const before = await everything(account.id);
    const answer = await client.post(account.sid, account.key, {
      data: [{ email: "big@example.com", first_name: "x".repeat(1024 * 1024) }],
    });
    expectError(answer, 413, "PAYLOAD_TOO_LARGE", /at most 1 MB/);
    expect(await everything(account.id)).toEqual(before);
  });

  it("refuses another account's key, an unknown sid and no key", async () => {
    const account = await gateway.account("post-auth");
    const theirs = await gateway.account("post-auth-other");
    const before = await everything(account.id);
    const body = { data: [{ email: "x@example.com" }] };
    for (const [sid, key] of [
      [account.sid, theirs.key],
      [theirs.sid, account.key],
      ["f".repeat(32), account.key],
      [account.sid, null],
    ] as [string, string | null][]) {
      expectError(await client.post(sid, key, body), 401, "UNAUTHORIZED");
    }
    expect(await everything(account.id)).toEqual(before);
    expect(await everything(theirs.id)).toMatchObject({ subscribers: [], imports: [] });
  });
});
