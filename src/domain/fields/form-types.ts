import type { CustomFieldType, FormFieldType } from "../../db/types.js";

// How a subscription form shows a field (its form type), and the shared type each is stored as,
// so GraphQL lists and types every field: text-like types are strings, dates and birthdays are
// dates (a birthday in the year 2000, its year unknown), an option is a boolean, and a group
// (radio, checkbox, drop down) is a dropdown whose options are its option fields' names.

export const FORM_FIELD_TYPES: Readonly<Record<FormFieldType, CustomFieldType>> = {
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

export function isFormFieldType(value: string): value is FormFieldType {
  return Object.hasOwn(FORM_FIELD_TYPES, value);
}

/** Groups hold no value of their own: their options do. */
export function isGroupType(type: FormFieldType | null): boolean {
  return type === "radio" || type === "checkbox" || type === "dropdown";
}

/** In a radio or drop down group, choosing one option clears the others. */
export function isExclusiveGroup(type: FormFieldType | null): boolean {
  return type === "radio" || type === "dropdown";
}

/** A birthday is a day of the year: stored in the year 2000. */
export function isBirthday(type: FormFieldType | null): boolean {
  return type === "birthday-us" || type === "birthday-eur";
}
