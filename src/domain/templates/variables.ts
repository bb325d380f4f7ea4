import type { CustomFieldRow, SubscriberRow } from "../../db/types.js";

// Variables in a message text: positional ones as WhatsApp has them ({{1}}, {{2}}), and named
// ones ({{first_name}}, a custom field's name or merge tag) filled from the subscriber the
// message goes to. A campaign or a message gives the positional values; a positional value may
// itself hold named variables ({"1": "{{first_name}}"}), so one template serves every recipient.

const VARIABLE = /\{\{\s*([\p{L}\p{N}_.-]+)\s*\}\}/gu;

/** Each variable of the text once, in the order they first appear. */
export function variablesIn(text: string): string[] {
  return [...new Set([...text.matchAll(VARIABLE)].map((match) => match[1].toLowerCase()))];
}

export function isPositional(name: string): boolean {
  return /^\d+$/.test(name);
}

export interface Rendered {
  text: string;
  /** Variables the values did not fill, in order; the text keeps them as they were. */
  missing: string[];
}

/** The text with each variable replaced by its value (names compared in lower case). */
export function renderText(text: string, values: Readonly<Record<string, string>>): Rendered {
  const missing = new Set<string>();
  const rendered = text.replace(VARIABLE, (whole, name: string) => {
    const value = values[name.toLowerCase()];
    if (value === undefined) {
      missing.add(name.toLowerCase());
      return whole;
    }
    return value;
  });
  return { text: rendered, missing: [...missing] };
}

/** The subscriber fields a named variable may use, by the variable's name. */
const SUBSCRIBER_FIELDS = [
  "email",
  "first_name",
  "last_name",
  "phone",
  "company",
  "job_title",
  "country",
  "address",
  "website",
  "postal_code",
  "timezone",
] as const satisfies (keyof SubscriberRow)[];

type RecipientFields = Pick<SubscriberRow, (typeof SUBSCRIBER_FIELDS)[number] | "custom_values">;

/**
 * Named values for one subscriber: its fields (empty text when unset, so a missing last name
 * does not stop a send), `name` (first and last), and each custom field by name and merge tag.
 */
export function recipientValues(
  subscriber: RecipientFields,
  fields: readonly Pick<CustomFieldRow, "id" | "name" | "merge_tag">[],
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of SUBSCRIBER_FIELDS) values[field] = subscriber[field] ?? "";
  values.name = [subscriber.first_name, subscriber.last_name].filter(Boolean).join(" ");
  const custom = subscriber.custom_values as Record<string, unknown>;
  for (const field of fields) {
    const value = custom[field.id];
    const text = value == null ? "" : Array.isArray(value) ? value.join(", ") : String(value);
    values[field.name.toLowerCase()] ??= text;
    values[field.merge_tag.toLowerCase()] ??= text;
  }
  return values;
}

/**
 * The values for one recipient: positional values given by the sender, each rendered with the
 * recipient's named values first, over the named values themselves.
 */
export function valuesFor(
  given: Readonly<Record<string, string>>,
  named: Readonly<Record<string, string>>,
): Record<string, string> {
  const values: Record<string, string> = { ...named };
  for (const [name, value] of Object.entries(given))
    values[name.toLowerCase()] = renderText(value, named).text;
  return values;
}
