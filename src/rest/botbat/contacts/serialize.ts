import { parsePhoneNumberWithError } from "libphonenumber-js";
import type { ImportRow, SubscriberRow } from "../../../db/types.js";
import { propertiesOf } from "../../../domain/fields/properties.js";
import type { CustomField } from "../../../domain/fields/read.js";
import type { ImportErrorRow } from "../../../domain/imports/queries.js";
import type { ContactRow } from "../../../domain/subscribers/keyset.js";
import type { ListOut } from "../cursor.js";
import type { ContactBody } from "./schemas.js";

// A stored subscriber as a botbat contact, an import as botbat's import job, and a request
// body as the domain's contact input.

export interface ContactOut {
  id: string;
  name: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string;
  phone: string | null;
  tags: string[];
  properties: Record<string, unknown>;
  status: SubscriberRow["status"];
  sandbox: boolean;
  created_at: string;
  updated_at: string;
}

export function contactOut(row: ContactRow, fields: readonly CustomField[]): ContactOut {
  const name = [row.first_name, row.last_name].filter((part) => part).join(" ");
  return {
    id: row.public_id,
    name: name || null,
    first_name: row.first_name,
    last_name: row.last_name,
    email: row.email,
    phone: row.phone,
    tags: byName(row.tag_names),
    properties: propertiesOf(fields, row.custom_values),
    status: row.status,
    sandbox: row.sandbox,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** Tag names in one order whatever read them (the database's collation may differ): any case. */
function byName(names: readonly string[]): string[] {
  return [...names].sort((a, b) => {
    const [x, y] = [a.toLowerCase(), b.toLowerCase()];
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** `name` split as other surfaces store names: the first word, then the rest. */
export function splitName(name: string | null | undefined): {
  first: string | null;
  last: string | null;
} {
  const words = (name ?? "").trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { first: null, last: null };
  return { first: words[0], last: words.slice(1).join(" ") || null };
}

/** A body as the domain's input: absent fields are null (POST creates, PUT replaces). */
export function contactInput(body: ContactBody) {
  const split = splitName(body.name);
  const phone = body.phone?.trim() ? e164(body.phone) : null;
  return {
    email: body.email,
    firstName: body.first_name !== undefined ? body.first_name : split.first,
    lastName: body.last_name !== undefined ? body.last_name : split.last,
    phone,
    status: body.status as SubscriberRow["status"] | undefined,
    tags: body.tags ?? [],
    properties: body.properties ?? {},
  };
}

/** A phone the schema found valid, in E.164: "+1 (415) 555-0100" → "+14155550100". */
function e164(phone: string): string {
  return parsePhoneNumberWithError(phone.trim()).number;
}

export type ImportOut = ReturnType<typeof importOut>;

export function importOut(row: ImportRow, errors: ListOut<ImportErrorRow> | null) {
  return {
    id: row.public_id,
    status: row.status,
    filename: row.filename,
    total: row.total,
    processed: row.processed,
    created: row.created,
    updated: row.updated,
    invalid: row.invalid,
    failure: row.failure,
    sandbox: row.sandbox,
    created_at: row.created_at.toISOString(),
    started_at: row.started_at?.toISOString() ?? null,
    finished_at: row.finished_at?.toISOString() ?? null,
    errors: errors
      ? {
          data: errors.data.map((error) => ({
            row: error.row_number,
            email: error.email,
            message: error.message,
          })),
          cursor: errors.cursor,
          total: errors.total,
        }
      : { data: [], cursor: null, total: 0 },
  };
}
