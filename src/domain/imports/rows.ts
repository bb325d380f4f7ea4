import { MAX_LONG_TEXT, MAX_SHORT_TEXT, tooLong } from "../bounds.js";
import { isEmail } from "../email.js";
import { coerceValue, isDate } from "../fields/values.js";
import { canonicalTimezone, timezoneProblem } from "../timezones.js";
import { type ColumnLayout, TAG_SEPARATOR } from "./columns.js";

// One CSV record → one line of COPY text for `import_rows`, or the reason the row is invalid.
// This runs once per row of files with millions of rows: no objects per row on the happy path.

export interface RowError {
  row: number;
  email: string | null;
  message: string;
}

/** The staging table's columns, in the order `encodeRow` writes them. */
export const STAGING_COLUMNS =
  "account_id, import_id, row_number, email, first_name, last_name, phone, timezone, custom_values, " +
  "job_title, company, country, address, website, postal_code, birthday, tags";

/** Longest tag name, as for tags made anywhere else. */
export const MAX_TAG_NAME = 100;
/** Most tag names one row may carry. */
export const MAX_ROW_TAGS = 100;

const SPECIAL = /[\\\t\n\r\0]/;
const SPECIAL_ALL = /[\\\t\n\r\0]/g;
const ESCAPED: Record<string, string> = {
  "\\": "\\\\",
  "\t": "\\t",
  "\n": "\\n",
  "\r": "\\r",
  // Postgres text cannot hold NUL: drop it.
  "\0": "",
};

/** A value in COPY's text format: backslash, tab and line breaks escaped. */
export function copyText(value: string): string {
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (c) => ESCAPED[c]) : value;
}

const NULL = "\\N";

/** Blank cells are NULL, so that an import never blanks a stored value. */
function optional(record: readonly string[], index: number): string {
  if (index < 0) return NULL;
  const value = record[index];
  if (value === undefined) return NULL;
  const trimmed = value.trim();
  return trimmed === "" ? NULL : copyText(trimmed);
}

export type RowEncoder = (record: readonly string[], row: number) => string | RowError;

/**
 * The tag names of a `tags` cell ("vip | Newsletter|vip" → ["vip", "Newsletter"]: trimmed, blanks
 * dropped, the first spelling of a name kept), or why the cell is refused.
 */
export function tagNamesOf(cell: string | undefined): string[] | { message: string } {
  if (cell === undefined || cell.trim() === "") return [];
  const names: string[] = [];
  const seen = new Set<string>();
  for (const part of cell.split(TAG_SEPARATOR)) {
    const name = part.trim();
    if (name === "") continue;
    if (name.length > MAX_TAG_NAME)
      return { message: `tags: "${name.slice(0, 20)}…" is longer than ${MAX_TAG_NAME} characters` };
    const key = name.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    names.push(name);
  }
  if (names.length > MAX_ROW_TAGS)
    return { message: `tags: at most ${MAX_ROW_TAGS} tags per subscriber (${names.length} given)` };
  return names;
}

export function rowEncoder(
  layout: ColumnLayout,
  ids: { accountId: string; importId: string },
): RowEncoder {
  const prefix = `${ids.accountId}\t${ids.importId}\t`;
  const { email: emailAt, first_name, last_name, phone, timezone } = layout.standard;
  const { job_title, company, country, address, website, postal_code } = layout.standard;
  const { birthday: birthdayAt, tags: tagsAt } = layout.standard;
  // Each profile column's longest value, as for every other write of a subscriber.
  const bounded = (
    [
      [first_name, "first_name", MAX_SHORT_TEXT],
      [last_name, "last_name", MAX_SHORT_TEXT],
      [phone, "phone", MAX_SHORT_TEXT],
      [timezone, "timezone", MAX_SHORT_TEXT],
      [job_title, "job_title", MAX_SHORT_TEXT],
      [company, "company", MAX_SHORT_TEXT],
      [country, "country", MAX_SHORT_TEXT],
      [address, "address", MAX_LONG_TEXT],
      [website, "website", MAX_LONG_TEXT],
      [postal_code, "postal_code", MAX_SHORT_TEXT],
    ] as const
  ).filter(([index]) => index >= 0);
  const custom = layout.custom.map(({ index, field }) => ({
    index,
    field,
    key: JSON.stringify(field.id),
  }));

  return (record, row) => {
    const email = (record[emailAt] ?? "").trim();
    // A NUL past the file's first 8 KB (those are checked whole) is no text Postgres can hold:
    // the row is refused, where dropping the NUL would store another text than the file's.
    if (record.some((cell) => cell.includes("\0"))) {
      return {
        row,
        email: email.includes("\0") ? null : email || null,
        message: "contains a NUL character (\\u0000)",
      };
    }
    if (!isEmail(email)) {
      return email === ""
        ? { row, email: null, message: "email is missing" }
        : { row, email, message: `"${email}" is not an email address` };
    }
    for (const [index, name, max] of bounded) {
      const value = record[index];
      // Only a long cell is trimmed to measure it: most cells pass untouched.
      if (value !== undefined && value.length > max && value.trim().length > max)
        return { row, email, message: `${name}: ${tooLong(max)}` };
    }
    let values = "";
    for (const { index, field, key } of custom) {
      const coerced = coerceValue(field, record[index]?.trim());
      if (!coerced.ok) return { row, email, message: `${field.name}: ${coerced.message}` };
      if (coerced.value !== null)
        values += `${values === "" ? "" : ","}${key}:${JSON.stringify(coerced.value)}`;
    }
    let birthday = NULL;
    if (birthdayAt >= 0) {
      const text = (record[birthdayAt] ?? "").trim();
      if (text !== "" && !isDate(text))
        return { row, email, message: `birthday: "${text}" is not a date (YYYY-MM-DD)` };
      if (text !== "") birthday = text;
    }
    let tags = NULL;
    if (tagsAt >= 0) {
      const names = tagNamesOf(record[tagsAt]);
      if (!Array.isArray(names)) return { row, email, message: names.message };
      if (names.length > 0) tags = copyText(JSON.stringify(names));
    }
    let zone = NULL;
    if (timezone >= 0) {
      const text = (record[timezone] ?? "").trim();
      if (text !== "") {
        const canonical = canonicalTimezone(text);
        if (canonical === null)
          return { row, email, message: `timezone: ${timezoneProblem(text)}` };
        zone = copyText(canonical);
      }
    }
    const profile = `${optional(record, job_title)}\t${optional(record, company)}\t${optional(record, country)}\t${optional(record, address)}\t${optional(record, website)}\t${optional(record, postal_code)}`;
    return `${prefix}${row}\t${copyText(email)}\t${optional(record, first_name)}\t${optional(record, last_name)}\t${optional(record, phone)}\t${zone}\t${values === "" ? "{}" : copyText(`{${values}}`)}\t${profile}\t${birthday}\t${tags}\n`;
  };
}
