import { describe, expect, it } from "vitest";
import type { CustomField } from "../../../src/domain/fields/read.js";
import {
  type ClassifyOptions,
  classifyContacts,
  emailsOf,
  parseContactBody,
} from "../../../src/rest/audience/contacts.js";
import { AudienceError } from "../../../src/rest/audience/errors.js";

// POST contact without a database: the body's shape, each contact's reasons in the words the
// 202 shows under "string", and which emails are looked up in the account.

let nextId = 1;
function field(overrides: Partial<CustomField> & Pick<CustomField, "name">): CustomField {
  const id = String(nextId++);
  return {
    id,
    account_id: "1",
    public_id: id.padStart(32, "0"),
    list_id: null,
    type: "string",
    options: [],
    required: false,
    default_value: null,
    visible: true,
    description: null,
    group_id: null,
    merge_tag: `MERGE_${overrides.name.toUpperCase()}`,
    column_name: `custom_${overrides.name}`,
    form_type: null,
    group_template: null,
    created_at: new Date(0),
    updated_at: new Date(0),
    list_public_id: null,
    ...overrides,
  };
}

const city = field({ name: "city" });
const age = field({ name: "age", type: "number" });
const size = field({ name: "Size", type: "dropdown", options: ["S", "M"] });
const member = field({ name: "member", type: "boolean", required: true });
const plan = field({ name: "plan", required: true, default_value: "free" });
const branch = field({ name: "branch", list_id: "7", required: true });

function options(overrides: Partial<ClassifyOptions> = {}): ClassifyOptions {
  return { fields: [city, age, size], existing: new Set(), updateExisting: false, ...overrides };
}

/** The reason of each invalid contact, in order. */
function reasons(contacts: Record<string, unknown>[], opts = options()) {
  return classifyContacts(contacts, opts).invalid.map(({ reason }) => reason);
}

describe("parseContactBody", () => {
  const contact = { email: "a@example.com" };

  it("accepts the sample's body and reads null flags and ids as absent", () => {
    const body = parseContactBody({
      update_subscribers: null,
      data: [contact],
      list_id: null,
      tags: ["t1"],
    });
    expect(body).toEqual({
      update_subscribers: null,
      data: [contact],
      list_id: null,
      tags: ["t1"],
    });
  });

  function refusal(raw: unknown): AudienceError {
    try {
      parseContactBody(raw);
    } catch (error) {
      expect(error).toBeInstanceOf(AudienceError);
      return error as AudienceError;
    }
    throw new Error(`accepted ${JSON.stringify(raw)}`);
  }

  it("refuses a body that is no object, naming no field", () => {
    for (const raw of [null, [contact], "text", 5]) {
      const error = refusal(raw);
      expect(error.status).toBe(400);
      expect(error.code).toBe("VALIDATION_ERROR");
      expect(error.message).toBe("Invalid request: the body must be a JSON object.");
      expect(error.details).toEqual([{ field: "", message: "the body must be a JSON object" }]);
    }
  });

  it("names every bad field of the request in its message and details", () => {
    const error = refusal({ data: [contact, "x"], update_subscribers: "true", tags: [1] });
    expect(error.details).toEqual([
      { field: "update_subscribers", message: "must be true or false" },
      { field: "data.1", message: "each contact must be a JSON object" },
      { field: "tags.0", message: "must be a tag id (a string)" },
    ]);
    expect(error.message).toBe(
      "Invalid request: update_subscribers must be true or false; data.1 each contact must be a JSON object; tags.0 must be a tag id (a string).",
    );
  });

  it("refuses no contacts, more than 100, and a list id that is no string", () => {
    expect(refusal({ data: [] }).details).toEqual([
      { field: "data", message: "must hold at least one contact" },
    ]);
    const many = Array.from({ length: 101 }, (_, i) => ({ email: `p${i}@example.com` }));
    expect(refusal({ data: many }).details).toEqual([
      { field: "data", message: "may hold at most 100 contacts per request (got 101)" },
    ]);
    expect(refusal({ data: [contact], list_id: 5 }).details).toEqual([
      { field: "list_id", message: "must be a list id (a string)" },
    ]);
    expect(refusal({ data: [contact], tags: Array(101).fill("t") }).details).toEqual([
      { field: "tags", message: "may hold at most 100 tag ids" },
    ]);
  });

  it("refuses a contact nested deeper than 32 levels, naming the contact", () => {
    let deep: unknown = "x";
    for (let i = 0; i < 40; i++) deep = { deeper: deep };
    const error = refusal({ data: [contact, { email: "b@example.com", custom_fields: deep }] });
    expect(error.details).toEqual([{ field: "data.1", message: "nests deeper than 32 levels" }]);
    expect(error.message).toBe("Invalid request: data.1 nests deeper than 32 levels.");
  });
});

describe("classifyContacts", () => {
  it("accepts a contact with its names trimmed and its custom values typed", () => {
    const sent = {
      email: " Ada@Example.com ",
      first_name: " Ada ",
      last_name: "",
      custom_fields: { CITY: "London", age: "36", size: "m" },
    };
    const { valid, invalid } = classifyContacts([sent], options());
    expect(invalid).toEqual([]);
    expect(valid).toHaveLength(1);
    expect(valid[0]?.sent).toBe(sent);
    expect(valid[0]?.accepted).toEqual({
      email: "Ada@Example.com",
      firstName: "Ada",
      lastName: null,
      customValues: [
        { field: city, value: "London" },
        { field: age, value: 36 },
        { field: size, value: "M" },
      ],
    });
  });

  it("gives each bad contact its reason, in the order sent, and keeps the good ones", () => {
    const contacts = [
      { first_name: "No email" },
      { email: "" },
      { email: 42 },
      { email: "not-an-email" },
      { email: "ok@example.com" },
      { email: "a@example.com", first_name: 7 },
      { email: "b@example.com", last_name: "x".repeat(256) },
      { email: "c@example.com", custom_fields: "city" },
      { email: "d@example.com", custom_fields: ["London"] },
      { email: "e@example.com", custom_fields: { country: "UK" } },
      { email: "f@example.com", custom_fields: { age: "old" } },
      { email: "g@example.com", custom_fields: { size: "XL" } },
      { email: `${"x".repeat(250)}@example.com` },
    ];
    const classified = classifyContacts(contacts, options());
    expect(classified.valid.map(({ sent }) => sent)).toEqual([{ email: "ok@example.com" }]);
    expect(classified.invalid.map(({ reason }) => reason)).toEqual([
      "Email is required",
      "Email is required",
      "Email must be a string",
      'Invalid email: "not-an-email"',
      "first_name must be a string",
      "last_name may be at most 255 characters",
      "custom_fields must be an object of values by custom field name",
      "custom_fields must be an object of values by custom field name",
      'Custom field "country" does not exist',
      'Invalid value for custom field "age": "old" is not a number',
      'Invalid value for custom field "Size": "XL" is not one of the options (S, M)',
      "Email may be at most 254 characters",
    ]);
  });

  it("joins every problem of one contact in its reason", () => {
    const contacts = [
      { email: "nope", first_name: "f".repeat(256), custom_fields: { age: "old", zip: "1" } },
    ];
    expect(reasons(contacts, options({ fields: [city, age, member] }))).toEqual([
      'Invalid email: "nope"; first_name may be at most 255 characters; Invalid value for custom field "age": "old" is not a number; Custom field "zip" does not exist; Custom field "member" is required',
    ]);
  });

  it("asks a new contact for a required field without default, not an existing one", () => {
    const fields = [member, plan, branch];
    const existing = new Set(["known@example.com"]);
    const contacts = [
      { email: "new@example.com" },
      { email: "blank@example.com", custom_fields: { member: "" } },
      { email: "set@example.com", custom_fields: { member: "yes" } },
      { email: "Known@Example.com" },
    ];
    const classified = classifyContacts(contacts, { fields, existing, updateExisting: true });
    // plan has a default; branch belongs to a list: neither is asked.
    expect(classified.invalid).toEqual([
      { sent: contacts[0], reason: 'Custom field "member" is required' },
      { sent: contacts[1], reason: 'Custom field "member" is required' },
    ]);
    expect(classified.valid.map(({ accepted }) => accepted.email)).toEqual([
      "set@example.com",
      "Known@Example.com",
    ]);
  });

  it("keeps the first valid contact of an email (any case) and refuses later ones", () => {
    const contacts = [
      { email: "bad@example.com", custom_fields: { age: "x" } },
      { email: "BAD@example.com" },
      { email: "bad@EXAMPLE.com" },
    ];
    const classified = classifyContacts(contacts, options());
    expect(classified.valid.map(({ sent }) => sent)).toEqual([contacts[1]]);
    expect(classified.invalid.map(({ reason }) => reason)).toEqual([
      'Invalid value for custom field "age": "x" is not a number',
      "Contact already exists in request, not unique",
    ]);
  });

  it("refuses an email the account has unless update_subscribers", () => {
    const existing = new Set(["known@example.com"]);
    const contacts = [{ email: "KNOWN@example.com" }];
    expect(reasons(contacts, options({ existing }))).toEqual(["Contact already exists"]);
    expect(classifyContacts(contacts, options({ existing, updateExisting: true })).valid).toEqual([
      {
        sent: contacts[0],
        accepted: { email: "KNOWN@example.com", firstName: null, lastName: null, customValues: [] },
      },
    ]);
  });

  it("reads a field by its name in any case, the first field of a name winning", () => {
    const older = field({ name: "Notes" });
    const newer = field({ name: "notes", type: "number" });
    const { valid } = classifyContacts(
      [{ email: "n@example.com", custom_fields: { NOTES: "x" } }],
      {
        ...options(),
        fields: [older, newer],
      },
    );
    expect(valid[0]?.accepted.customValues).toEqual([{ field: older, value: "x" }]);
  });

  it("drops a value sent empty, as if it was not sent", () => {
    const { valid } = classifyContacts(
      [{ email: "e@example.com", custom_fields: { city: "", age: null } }],
      options(),
    );
    expect(valid[0]?.accepted.customValues).toEqual([]);
  });
});

describe("emailsOf", () => {
  it("lists the trimmed string emails to look up, skipping missing and non-string ones", () => {
    expect(
      emailsOf([
        { email: " A@Example.com " },
        { email: "" },
        { email: "   " },
        { email: 42 },
        { email: null },
        {},
        { email: "b@example.com" },
      ]),
    ).toEqual(["A@Example.com", "b@example.com"]);
  });

  it("is empty for no contacts", () => {
    expect(emailsOf([])).toEqual([]);
  });
});
