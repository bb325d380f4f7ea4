import { z } from "@hono/zod-openapi";
import { isValidPhoneNumber } from "libphonenumber-js";
import { SUBSCRIBER_STATUSES } from "../../../domain/subscribers/input.js";
import { listSchema, pageQuery } from "../cursor.js";

// The zod schemas of the Contacts API: they validate each request (a failure is 422 with one
// detail per field) and are what the reference at /docs shows. Unknown fields are ignored.

const STATUSES = SUBSCRIBER_STATUSES as unknown as [string, ...string[]];

const required = (what: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? `is required: ${what}` : "must be a string";

const optionalText = (description: string) =>
  z
    .string({ error: "must be a string or null" })
    .max(255)
    .nullable()
    .optional()
    .openapi({ description });

/** A property's value: the vendor's types string, number, boolean, date ("YYYY-MM-DD"), array. */
const propertyValue = z
  .union([z.string(), z.number(), z.boolean(), z.array(z.unknown()), z.null()], {
    error: "must be a string, number, boolean, date (YYYY-MM-DD), array or null",
  })
  .openapi({ description: "string, number, boolean, date (YYYY-MM-DD) or array; null clears it" });

export const contactBody = z
  .object({
    email: z
      .string({ error: required("a contact needs an email") })
      .openapi({ example: "john.smith@example.com" }),
    name: z.string({ error: "must be a string or null" }).max(511).nullable().optional().openapi({
      description:
        "Full name: the first word is stored as first_name, the rest as last_name. first_name and last_name, when sent, win over it.",
      example: "John Smith",
    }),
    first_name: optionalText("First name."),
    last_name: optionalText("Last name."),
    phone: z
      .string({ error: "must be a string or null" })
      .max(32)
      .refine((value) => value.trim() === "" || /^\s*\+/.test(value), {
        message: "must be in E.164 form, starting with + and the country code (+14155550100)",
        abort: true,
      })
      .refine((value) => value.trim() === "" || isValidPhoneNumber(value.trim()), {
        message: "is not a valid phone number",
      })
      .nullable()
      .optional()
      .openapi({
        description: "E.164 (+14155550100); punctuation is dropped.",
        example: "+14155550100",
      }),
    status: z
      .enum(STATUSES, { error: `must be one of ${STATUSES.join(", ")}` })
      .optional()
      .openapi({ description: "active (default), unsubscribed, bounced or complained." }),
    tags: z
      .array(z.string({ error: "must be a string" }), { error: "must be an array of tag names" })
      .max(100)
      .nullable()
      .optional()
      .openapi({
        description: "Tag names; a name the account has no tag of creates one.",
        example: ["vip"],
      }),
    properties: z
      .record(z.string(), propertyValue, { error: "must be an object of name: value" })
      .nullable()
      .optional()
      .openapi({
        description:
          "Custom properties by name (matched in any case); an unknown name creates an account-wide property of the value's type.",
        example: { plan: "pro", seats: 3 },
      }),
  })
  .openapi("ContactInput");

export type ContactBody = z.infer<typeof contactBody>;

export const contactSchema = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    email: z.string(),
    phone: z.string().nullable(),
    tags: z.array(z.string()),
    properties: z.record(z.string(), z.unknown()),
    status: z.enum(STATUSES),
    sandbox: z.boolean(),
    created_at: z.string().openapi({ example: "2026-11-30T01:02:03.000Z" }),
    updated_at: z.string(),
  })
  .openapi("Contact");

export const contactList = listSchema(contactSchema).openapi("ContactList");

export const idParam = z.object({
  id: z
    .string()
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "0195f…" }),
});

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/i;

const instant = (description: string) =>
  z
    .string()
    .refine((value) => ISO.test(value) && !Number.isNaN(Date.parse(value)), {
      message:
        "must be an ISO 8601 date (2026-01-31) or date-time with a zone (2026-01-31T12:00:00Z)",
    })
    .optional()
    .openapi({ description });

export const listQuery = pageQuery.extend({
  tag: z.string().max(100).optional().openapi({ description: "A tag's name (any case)." }),
  segment: z.string().max(64).optional().openapi({
    description: "A segment's id: the product's list (GraphQL's List, mailtrain's list).",
  }),
  created_after: instant("Created at or after this instant."),
  created_before: instant("Created before this instant."),
});

export const searchQuery = pageQuery.extend({
  q: z
    .string({ error: required("the text to search for") })
    .refine((value) => value.trim().length >= 2, { message: "needs at least 2 characters" })
    .refine((value) => value.length <= 200, { message: "may be at most 200 characters" })
    .openapi({ description: "Name, email or phone, fuzzily: `jon smyth` finds John Smith." }),
});

export const searchResult = listSchema(
  contactSchema.extend({
    score: z.number().openapi({ description: "Word similarity with the query, 0 to 1." }),
  }),
).openapi("ContactSearchResult");

export const importBody = z.object({
  file: z
    .instanceof(File, { message: "is required: the CSV, as a part named file" })
    .openapi({ type: "string", format: "binary", description: "The CSV (header row first)." }),
  segment: z
    .string()
    .max(64)
    .optional()
    .openapi({ description: "A segment (list) every imported contact joins." }),
});

export const importErrorsQuery = pageQuery;

export const importSchema = z
  .object({
    id: z.string(),
    status: z.enum(["queued", "running", "completed", "failed"]),
    filename: z.string().nullable(),
    total: z.number().int(),
    processed: z.number().int(),
    created: z.number().int(),
    updated: z.number().int(),
    invalid: z.number().int(),
    failure: z.string().nullable().openapi({ description: "Why a failed import changed nothing." }),
    sandbox: z.boolean(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    errors: listSchema(
      z.object({ row: z.number().int(), email: z.string().nullable(), message: z.string() }),
    ).openapi({
      description:
        "Refused rows by number (row 1 is the first row after the header), paged with the poll's `limit` and `cursor`.",
    }),
  })
  .openapi("ContactImport");
