import { isEmail } from "../email.js";
import { coerceValue } from "../fields/values.js";
import type { ColumnLayout } from "./columns.js";

// One CSV record → one line of COPY text for `import_rows`, or the reason the row is invalid.
// This runs once per row of files with millions of rows: no objects per row on the happy path.

export interface RowError {
  row: number;
  email: string | null;
  message: string;
}

/** The staging table's columns, in the order `encodeRow` writes them. */
export const STAGING_COLUMNS =
  "account_id, import_id, row_number, email, first_name, last_name, phone, timezone, custom_values";

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

/** jsonb refuses \u0000 as much as text refuses NUL. */
function withoutNul(value: string | undefined): string | undefined {
  return value === undefined || !value.includes("\0") ? value : value.replaceAll("\0", "");
}

/** Blank cells are NULL, so that an import never blanks a stored value. */
function optional(record: readonly string[], index: number): string {
  if (index < 0) return NULL;
  const value = record[index];
  if (value === undefined) return NULL;
  const trimmed = value.trim();
  return trimmed === "" ? NULL : copyText(trimmed);
}

export type RowEncoder = (record: readonly string[], row: number) => string | RowError;

export function rowEncoder(
  layout: ColumnLayout,
  ids: { accountId: string; importId: string },
): RowEncoder {
  const prefix = `${ids.accountId}\t${ids.importId}\t`;
  const { email: emailAt, first_name, last_name, phone, timezone } = layout.standard;
  const custom = layout.custom.map(({ index, field }) => ({
    index,
    field,
    key: JSON.stringify(field.id),
  }));

  return (record, row) => {
    const email = (record[emailAt] ?? "").trim();
    if (!isEmail(email)) {
      return email === ""
        ? { row, email: null, message: "email is missing" }
        : { row, email, message: `"${email}" is not an email address` };
    }
    let values = "";
    for (const { index, field, key } of custom) {
      const coerced = coerceValue(field, withoutNul(record[index]?.trim()));
      if (!coerced.ok) return { row, email, message: `${field.name}: ${coerced.message}` };
      if (coerced.value !== null)
        values += `${values === "" ? "" : ","}${key}:${JSON.stringify(coerced.value)}`;
    }
    return `${prefix}${row}\t${copyText(email)}\t${optional(record, first_name)}\t${optional(record, last_name)}\t${optional(record, phone)}\t${optional(record, timezone)}\t${values === "" ? "{}" : copyText(`{${values}}`)}\n`;
  };
}
