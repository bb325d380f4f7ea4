import { sql } from "kysely";
import type { CustomFieldType } from "../../db/types.js";
import { shown } from "../bounds.js";
import type { Context, Queryable } from "../context.js";
import type { Issue } from "../errors.js";
import type { CustomValueChange } from "../subscribers/input.js";
import { columnNameOf, mergeTagOf } from "./names.js";
import { type CustomField, loadFields } from "./read.js";
import { isDate } from "./values.js";

// Custom values named by clients that know no field ids (botbat's `properties`: {name: value}),
// with JSON types: string, number, boolean, date (a "YYYY-MM-DD" string) and array. A name
// matches the account's field of that name in any case (account-wide fields first, then list
// fields, oldest first); an unknown name creates an account-wide field whose type is the
// value's. An array is kept in a string field whose form type is `json` (mailtrain's JSON
// field): other surfaces see its JSON text, botbat reads it back as the array.

const MAX_NAME = 100;
const MAX_PROPERTIES = 100;

export type PropertyValue = string | number | boolean | null | unknown[];

/** Whether a field holds JSON text (arrays sent as properties). */
export function holdsJson(field: Pick<CustomField, "type" | "form_type">): boolean {
  return field.type === "string" && field.form_type === "json";
}

/** The field a property name names, or undefined. */
export function fieldNamed(fields: readonly CustomField[], name: string): CustomField | undefined {
  const key = name.toLowerCase();
  return (
    fields.find((field) => field.list_id === null && field.name.toLowerCase() === key) ??
    fields.find((field) => field.name.toLowerCase() === key)
  );
}

type Kind = "string" | "number" | "boolean" | "date" | "array";

function kindOf(value: unknown): Kind | null {
  if (Array.isArray(value)) return "array";
  if (typeof value === "string") return isDate(value.trim()) ? "date" : "string";
  if (typeof value === "number") return Number.isFinite(value) ? "number" : null;
  if (typeof value === "boolean") return "boolean";
  return null;
}

/** The JSON type a field takes, as its message says it. */
function expected(field: CustomField): string {
  if (holdsJson(field)) return "an array";
  switch (field.type) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    case "date":
      return 'a date ("YYYY-MM-DD")';
    case "dropdown":
      return `one of ${field.options.map((option) => JSON.stringify(option)).join(", ")}`;
  }
}

/** Whether a JSON value is of the field's type (before the field's own checks). */
function fits(field: CustomField, value: unknown): boolean {
  if (holdsJson(field)) return Array.isArray(value) || typeof value === "string";
  switch (field.type) {
    case "string":
    case "dropdown":
      return typeof value === "string";
    case "number":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    case "date":
      return typeof value === "string";
  }
}

/** The raw value the field's coercion receives. */
function rawOf(field: CustomField, value: unknown): unknown {
  return holdsJson(field) && Array.isArray(value) ? JSON.stringify(value) : value;
}

const TYPE_OF_KIND: Record<Kind, CustomFieldType> = {
  string: "string",
  number: "number",
  boolean: "boolean",
  date: "date",
  array: "string",
};

export interface ResolvedProperties {
  /** The account's fields, those this call created included. */
  fields: CustomField[];
  /** The values to write, by field public id (checked further by the subscriber's checks). */
  changes: CustomValueChange[];
  issues: Issue[];
}

/**
 * Resolves `properties` to custom value changes, creating the fields of unknown names in `db`
 * (the caller's transaction: a refused write leaves no new field). `path` is where the
 * properties sit in the domain's terms (issues name `customValues.<name>`, which surfaces rename).
 */
export async function resolveProperties(
  ctx: Context,
  db: Queryable,
  properties: Readonly<Record<string, unknown>>,
): Promise<ResolvedProperties> {
  const issues: Issue[] = [];
  const issue = (name: string, message: string) =>
    issues.push({ path: ["customValues", name], message });
  let fields = await loadFields(ctx, db);
  const entries = Object.entries(properties);
  if (entries.length > MAX_PROPERTIES) {
    issues.push({ path: ["customValues"], message: `may hold at most ${MAX_PROPERTIES}` });
    return { fields, changes: [], issues };
  }

  const missing = new Map<string, { name: string; type: CustomFieldType; json: boolean }>();
  for (const [rawName, value] of entries) {
    const name = rawName.trim();
    if (name === "") issue(rawName, "a property needs a name");
    else if (name.length > MAX_NAME)
      issue(shown(name), `a name may be at most ${MAX_NAME} characters`);
    else if (fieldNamed(fields, name) === undefined && value !== null) {
      const kind = kindOf(value);
      if (kind === null) issue(name, "must be a string, number, boolean, date or array");
      else if (!missing.has(name.toLowerCase()))
        missing.set(name.toLowerCase(), { name, type: TYPE_OF_KIND[kind], json: kind === "array" });
    }
  }
  if (issues.length > 0) return { fields, changes: [], issues };

  if (missing.size > 0) {
    // A concurrent request may create the same name first: its field is then the one used.
    await db
      .insertInto("custom_fields")
      .values(
        [...missing.values()].map(({ name, type, json }) => ({
          account_id: ctx.account.id,
          name,
          type,
          form_type: json ? ("json" as const) : null,
          merge_tag: mergeTagOf(name),
          column_name: columnNameOf(name),
        })),
      )
      .onConflict((conflict) =>
        conflict.expression(sql`account_id, coalesce(list_id, 0), lower(name)`).doNothing(),
      )
      .execute();
    fields = await loadFields(ctx, db);
  }

  const changes: CustomValueChange[] = [];
  for (const [rawName, value] of entries) {
    const name = rawName.trim();
    const field = fieldNamed(fields, name);
    if (field === undefined) continue; // a null for a field that does not exist: nothing to clear
    if (value !== null && !fits(field, value)) {
      issue(field.name, `must be ${expected(field)} (got ${describe(value)})`);
      continue;
    }
    changes.push({ fieldId: field.public_id, value: value === null ? null : rawOf(field, value) });
  }
  return { fields, changes, issues };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : `${typeof value} ${shown(String(value))}`;
}

/** A subscriber's custom values by field name, in botbat's JSON types (arrays parsed back). */
export function propertiesOf(
  fields: readonly CustomField[],
  customValues: unknown,
): Record<string, unknown> {
  const values = (customValues ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (!(field.id in values)) continue;
    const value = values[field.id];
    if (holdsJson(field) && typeof value === "string") {
      try {
        out[field.name] = JSON.parse(value);
        continue;
      } catch {
        // JSON text written by another surface that is not JSON: shown as the text it is.
      }
    }
    out[field.name] = value;
  }
  return out;
}
