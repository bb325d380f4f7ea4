import type { CustomFieldType, MailtrainFieldType } from "../../db/types.js";

// Mailtrain's field types and the shared type each is stored as, so GraphQL lists and types
// every field a Mailtrain client makes: text-like types are strings, dates and birthdays are
// dates (a birthday in the year 2000, as Mailtrain stored it), an option is a boolean, and a
// group (radio, checkbox, drop down) is a dropdown whose options are its option fields' names.

export const MAILTRAIN_TYPES: Readonly<Record<MailtrainFieldType, CustomFieldType>> = {
  text: "string",
  website: "string",
  longtext: "string",
  gpg: "string",
  number: "number",
  radio: "dropdown",
  checkbox: "dropdown",
  dropdown: "dropdown",
  "date-us": "date",
  "date-eur": "date",
  "birthday-us": "date",
  "birthday-eur": "date",
  json: "string",
  option: "boolean",
};

export function isMailtrainType(value: string): value is MailtrainFieldType {
  return Object.hasOwn(MAILTRAIN_TYPES, value);
}

/** Groups hold no value of their own: their options do. */
export function isGroupType(type: MailtrainFieldType | null): boolean {
  return type === "radio" || type === "checkbox" || type === "dropdown";
}

/** In a radio or drop down group, choosing one option clears the others. */
export function isExclusiveGroup(type: MailtrainFieldType | null): boolean {
  return type === "radio" || type === "dropdown";
}

/** Mailtrain's rule for VISIBLE and options: false, no, 0 and empty are off. */
export function isOff(value: string): boolean {
  return /^(false|no|0|)$/i.test(value.trim());
}

/** FORCE_SUBSCRIBE and REQUIRE_CONFIRMATION are on for yes, true or 1, any case. */
export function isYes(value: string | undefined): boolean {
  return /^(yes|true|1)$/i.test(value ?? "");
}
