import type { CustomFieldRow } from "../../db/types.js";
import { MAX_CUSTOM_TEXT, shown, tooLong } from "../bounds.js";
import type { Issue } from "../errors.js";

// Typed custom values, shared by every surface: GraphQL, the REST dialects and CSV imports all
// send raw values here and get back the stored JSON (keyed by field id) or issues.

export type CustomFieldDefinition = Pick<
  CustomFieldRow,
  "id" | "name" | "type" | "options" | "required" | "default_value" | "list_id"
>;
export type CustomValue = string | number | boolean;
export type CustomValues = Record<string, CustomValue>;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TRUE = new Set(["true", "1", "yes", "y", "on"]);
const FALSE = new Set(["false", "0", "no", "n", "off"]);

export function isDate(value: string): boolean {
  const match = DATE.exec(value);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return (
    date.getUTCFullYear() === Number(match[1]) &&
    date.getUTCMonth() === Number(match[2]) - 1 &&
    date.getUTCDate() === Number(match[3])
  );
}

type Coerced = { ok: true; value: CustomValue | null } | { ok: false; message: string };

const KIND: Record<CustomFieldRow["type"], string> = {
  string: "a string",
  number: "a number",
  boolean: "a boolean",
  date: "a date (YYYY-MM-DD)",
  dropdown: "one of the options",
};

/** Turns a raw value into the field's type; null, undefined and "" clear the value. */
export function coerceValue(
  field: Pick<CustomFieldRow, "type" | "options">,
  raw: unknown,
): Coerced {
  if (raw === null || raw === undefined || raw === "") return { ok: true, value: null };
  // An array or object is no field's value; String() on one nested deep would overflow the stack.
  if (typeof raw === "object") return { ok: false, message: `must be ${KIND[field.type]}` };
  if (typeof raw === "string" && raw.length > MAX_CUSTOM_TEXT)
    return { ok: false, message: tooLong(MAX_CUSTOM_TEXT) };
  switch (field.type) {
    case "string":
      if (typeof raw === "string" || typeof raw === "number" || typeof raw === "boolean")
        return { ok: true, value: String(raw) };
      return { ok: false, message: "must be a string" };
    case "number": {
      const value =
        typeof raw === "number"
          ? raw
          : typeof raw === "string" && raw.trim() !== ""
            ? Number(raw.trim())
            : Number.NaN;
      return Number.isFinite(value)
        ? { ok: true, value }
        : { ok: false, message: `${shown(String(raw))} is not a number` };
    }
    case "boolean": {
      if (typeof raw === "boolean") return { ok: true, value: raw };
      const text = String(raw).trim().toLowerCase();
      if (TRUE.has(text)) return { ok: true, value: true };
      if (FALSE.has(text)) return { ok: true, value: false };
      return { ok: false, message: `${shown(String(raw))} is not a boolean (true or false)` };
    }
    case "date": {
      const text = typeof raw === "string" ? raw.trim() : "";
      return isDate(text)
        ? { ok: true, value: text }
        : { ok: false, message: `${shown(String(raw))} is not a date (YYYY-MM-DD)` };
    }
    case "dropdown": {
      const text = typeof raw === "string" || typeof raw === "number" ? String(raw).trim() : "";
      const option = field.options.find(
        (candidate) => candidate.toLowerCase() === text.toLowerCase(),
      );
      return option !== undefined
        ? { ok: true, value: option }
        : {
            ok: false,
            message: `${shown(String(raw))} is not one of the options (${field.options.join(", ")})`,
          };
    }
  }
}

export interface ApplyOptions {
  /** The subscriber's stored values; null for a new subscriber, which gets the fields' defaults. */
  current: CustomValues | null;
  /** Raw values by field id; a null value clears it. */
  changes: ReadonlyMap<string, unknown>;
  /** Where the values sit in the caller's input, for issue paths (e.g. ["customValues"]). */
  path: string[];
}

/**
 * Merges changes into the stored values, applying defaults to a new subscriber and enforcing
 * `required` on the result: every write goes through here, whatever the surface.
 */
export function applyCustomValues(
  fields: readonly CustomFieldDefinition[],
  { current, changes, path }: ApplyOptions,
): { values: CustomValues; issues: Issue[] } {
  const issues: Issue[] = [];
  const values: CustomValues = { ...(current ?? {}) };
  const byId = new Map(fields.map((field) => [field.id, field]));
  for (const [id, raw] of changes) {
    const field = byId.get(id);
    if (!field) {
      issues.push({ path: [...path, id], message: "no such custom field" });
      continue;
    }
    const coerced = coerceValue(field, raw);
    if (!coerced.ok) issues.push({ path: [...path, field.name], message: coerced.message });
    else if (coerced.value === null) delete values[id];
    else values[id] = coerced.value;
  }
  if (current === null) {
    for (const field of fields) {
      if (!(field.id in values) && !changes.has(field.id) && field.default_value != null) {
        const coerced = coerceValue(field, field.default_value);
        if (coerced.ok && coerced.value !== null) values[field.id] = coerced.value;
      }
    }
  }
  for (const field of fields) {
    if (field.required && field.list_id === null && !(field.id in values)) {
      issues.push({ path: [...path, field.name], message: "is required" });
    }
  }
  return { values, issues };
}
