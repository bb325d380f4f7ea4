import type { FormFieldType } from "../../db/types.js";
import type { FormFieldInput } from "../../domain/fields/form-fields.js";
import { FORM_FIELD_TYPES, isBirthday, isFormFieldType } from "../../domain/fields/form-types.js";
import type { CustomField } from "../../domain/fields/read.js";
import type { ReadValue } from "../../domain/fields/tagged-values.js";
import { isDate } from "../../domain/fields/values.js";
import type { SubscribeRequest } from "../../domain/lists/subscribe.js";
import type { MailtrainInput } from "./body.js";
import { MailtrainError } from "./errors.js";

// How Mailtrain clients write things as text: yes/no flags, dates month first (-us) or day first
// (-eur), birthdays without a year, options as yes/no; and the requests built from a body.

/** Mailtrain's rule for VISIBLE and options: false, no, 0 and empty are off. */
export function isOff(value: string): boolean {
  return /^(false|no|0|)$/i.test(value.trim());
}

/** FORCE_SUBSCRIBE and REQUIRE_CONFIRMATION are on for yes, true or 1, any case. */
export function isYes(value: string | undefined): boolean {
  return /^(yes|true|1)$/i.test(value ?? "");
}

type FieldKind = Pick<CustomField, "type" | "form_type">;

const DATE_PARTS = /^(\d{1,4})\D+(\d{1,2})(?:\D+(\d{1,4}))?$/;

/** Month first for -us, day first for -eur (ISO too); a birthday, or a date without year, in 2000. */
function isoDate(type: FormFieldType | null, text: string): string | null {
  const birthday = isBirthday(type);
  if (isDate(text)) return birthday ? `2000${text.slice(4)}` : text;
  const parts = DATE_PARTS.exec(text);
  if (!parts) return null;
  const us = type?.endsWith("-us") ?? false;
  const month = Number(parts[us ? 1 : 2]);
  const day = Number(parts[us ? 2 : 1]);
  const year = birthday || parts[3] === undefined ? 2000 : Number(parts[3]);
  const iso = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  return isDate(iso) ? iso : null;
}

function formatOf(type: FormFieldType | null): string {
  switch (type) {
    case "date-us":
      return "MM/DD/YYYY";
    case "date-eur":
      return "DD/MM/YYYY";
    case "birthday-us":
      return "MM/DD";
    case "birthday-eur":
      return "DD/MM";
    default:
      return "YYYY-MM-DD";
  }
}

/**
 * One value as Mailtrain sends it, made a raw value of the field's shared type: an option is on
 * unless false, no, 0 or empty; a date is read in the field's format; the rest as it is (the
 * shared rules check it).
 */
export function readMergeValue(field: FieldKind, raw: string): ReadValue {
  const text = raw.trim();
  if (field.form_type === "option") return { ok: true, value: !isOff(text) };
  if (field.type !== "date" || text === "") return { ok: true, value: text };
  const iso = isoDate(field.form_type, text);
  return iso === null
    ? { ok: false, message: `"${text}" is not a date (${formatOf(field.form_type)})` }
    : { ok: true, value: iso };
}

/** `EMAIL` (or another key) as sent; a MailtrainError when missing or empty. */
export function requireEmail(
  input: MailtrainInput,
  key = "EMAIL",
  message = `Missing ${key}`,
): string {
  const email = input[key] ?? "";
  if (!email) throw new MailtrainError(400, message);
  return email;
}

/** A subscribe body: names only when non-empty, custom values by merge tag (`MERGE_…`). */
export function parseSubscribe(input: MailtrainInput): SubscribeRequest {
  const email = requireEmail(input);
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(input))
    if (key.startsWith("MERGE_")) values[key] = value;
  return {
    email,
    ...(input.FIRST_NAME ? { firstName: input.FIRST_NAME } : {}),
    ...(input.LAST_NAME ? { lastName: input.LAST_NAME } : {}),
    // As sent: the domain stores IANA's spelling, and `tz` shows it lower-cased as Mailtrain did.
    ...(input.TIMEZONE ? { timezone: input.TIMEZONE } : {}),
    values,
  };
}

/**
 * A field body, checked in Mailtrain's order and words: an option needs a GROUP, the TYPE must
 * be known (any case), the NAME present. The DEFAULT is read as a value of the field's type.
 */
export function parseField(input: MailtrainInput): FormFieldInput {
  const type = (input.TYPE ?? "").toLowerCase();
  const group = input.GROUP ?? "";
  if (type === "option" && !group)
    throw new MailtrainError(400, "Option field requires a group to be selected");
  if (!isFormFieldType(type)) throw new MailtrainError(400, `Unknown column type ${type}`);
  const name = input.NAME ?? "";
  if (!name) throw new MailtrainError(400, "Missing column name");
  const raw = input.DEFAULT ?? "";
  return {
    name,
    type,
    description: input.DESCRIPTION ?? "",
    default:
      raw === ""
        ? { ok: true, value: null }
        : readMergeValue({ type: FORM_FIELD_TYPES[type], form_type: type }, raw),
    group,
    groupTemplate: input.GROUP_TEMPLATE ?? "",
    visible: !isOff(input.VISIBLE ?? ""),
  };
}
