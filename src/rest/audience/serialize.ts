import type { CustomFieldType, ListRow, TagRow } from "../../db/types.js";
import type { CustomField } from "../../domain/fields/read.js";
import type { Counted } from "../../domain/page.js";

// Domain rows in the document's field names and key order (`<resource>Out`), and the envelopes
// around them. Ids are the public ids every surface shares (GraphQL global ids wrap them).

/** UTC, seconds, no fraction: 2024-11-18T18:08:20Z. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}

export function listOut(list: ListRow) {
  return {
    name: list.name,
    list_id: list.public_id,
    // Lists have no status of their own: every list is active.
    status: 1,
    created_at: timestamp(list.created_at),
    updated_at: timestamp(list.updated_at),
  };
}

const FIELD_TYPES: Record<CustomFieldType, string> = {
  string: "string",
  number: "numeric",
  boolean: "boolean",
  date: "date",
  dropdown: "dropdown",
};

/** A stored default (string, number or boolean) as the string the sample shows; "" for none. */
function defaultOut(value: unknown): string {
  return value === null || value === undefined ? "" : String(value);
}

export function fieldOut(field: CustomField) {
  return {
    name: field.name,
    custom_id: field.public_id,
    type: FIELD_TYPES[field.type],
    // A dropdown's options joined by commas, in their order; "" for every other type.
    values: field.type === "dropdown" ? field.options.join(",") : "",
    status: 1,
    created_at: timestamp(field.created_at),
    updated_at: timestamp(field.updated_at),
    required: field.required ? 1 : 0,
    default: defaultOut(field.default_value),
  };
}

export function tagOut(tag: TagRow) {
  return {
    tag_id: tag.public_id,
    name: tag.name,
    status: tag.status === "active" ? 1 : 2,
    created_at: timestamp(tag.created_at),
    modified_at: timestamp(tag.updated_at),
  };
}

/** The envelope of the list and custom-field endpoints, keys in the sample's order. */
export function pageEnvelope<Row, Out>(page: Counted<Row>, limit: number, out: (row: Row) => Out) {
  return {
    data: page.rows.map(out),
    error: {},
    limit,
    message: "Request processed successfully.",
    status: 200,
    total: page.total,
  };
}

/** The tag endpoint's own envelope: boolean `status`, the HTTP status in `statuscode`. */
export function tagEnvelope(page: Counted<TagRow>, limit: number) {
  return {
    data: page.rows.map(tagOut),
    limit,
    message: "Success",
    status: true,
    statuscode: 200,
    total: page.total,
  };
}

/** A contact as sent, with its reason under the key "string", as the sample shows. */
export function invalidContactOut({ sent, reason }: { sent: object; reason: string }) {
  return { ...sent, string: reason };
}

/** The POST contact envelope (202), keys in the sample's order; contacts echoed as sent. */
export function contactEnvelope(classified: {
  valid: readonly { sent: object }[];
  invalid: readonly { sent: object; reason: string }[];
}) {
  return {
    status: 202,
    message: "Request processed successfully.",
    data: {
      invalid_contacts: classified.invalid.map(invalidContactOut),
      total_invalid: classified.invalid.length,
      total_valid: classified.valid.length,
      valid_contacts: classified.valid.map(({ sent }) => sent),
    },
    error: {},
  };
}

// The document shows no error. Its envelope has an `error` object and a numeric `status`, so an
// error reuses it: `error` filled, the HTTP status in `status`. The tag endpoint has its own
// envelope (`status: true, statuscode`), so its errors say `status: false, statuscode: <http>`.

export type EnvelopeKind = "standard" | "tag";

export interface ErrorOut {
  code: string;
  message: string;
  /** Left out of the answer when empty. */
  details: readonly { field: string; message: string }[];
}

export function errorEnvelope(kind: EnvelopeKind, status: number, error: ErrorOut) {
  const inner: Record<string, unknown> = { code: error.code, message: error.message };
  if (error.details.length > 0) inner.details = error.details;
  return kind === "tag"
    ? { data: null, error: inner, message: error.message, status: false, statuscode: status }
    : { data: null, error: inner, message: error.message, status };
}
