import { z } from "zod";
import { MAX_EMAIL, MAX_SHORT_TEXT, shown, tooLong } from "../../domain/bounds.js";
import { isEmail } from "../../domain/email.js";
import type { CustomField } from "../../domain/fields/read.js";
import { type CustomValue, coerceValue } from "../../domain/fields/values.js";
import { MAX_NESTING, nestsDeeperThan } from "../../domain/nesting.js";
import { type ErrorDetail, invalid } from "./errors.js";

// The POST contact body: its shape is checked as a whole (a bad shape refuses the request, and
// nothing is written), then each contact on its own (a bad contact lands in `invalid_contacts`
// with its reason under the key "string", as the sample shows, and the others go on).

export const MAX_CONTACTS = 100;
const MAX_TAGS = 100;
const MAX_NAME = MAX_SHORT_TEXT;

const Contact = z.record(z.string(), z.unknown(), {
  error: "each contact must be a JSON object",
});

const Body = z.object(
  {
    update_subscribers: z.boolean({ error: "must be true or false" }).nullish(),
    data: z
      .array(Contact, { error: "must be an array of contacts" })
      .min(1, { error: "must hold at least one contact" })
      .max(MAX_CONTACTS, {
        error: (issue) =>
          `may hold at most ${MAX_CONTACTS} contacts per request (got ${(issue.input as unknown[]).length})`,
      }),
    list_id: z.string({ error: "must be a list id (a string)" }).nullish(),
    tags: z
      .array(z.string({ error: "must be a tag id (a string)" }), {
        error: "must be an array of tag ids",
      })
      .max(MAX_TAGS, { error: `may hold at most ${MAX_TAGS} tag ids` })
      .nullish(),
  },
  { error: "the body must be a JSON object" },
);

export type ContactBody = z.infer<typeof Body>;
export type SentContact = Record<string, unknown>;

/**
 * Contacts are echoed as sent: one nested thousands of levels deep would overflow the stack
 * while the answer is serialized, so it is refused with the request's shape.
 */
function tooDeep(raw: unknown): ErrorDetail[] {
  const data = (raw as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return [];
  const details: ErrorDetail[] = [];
  data.forEach((contact, index) => {
    if (nestsDeeperThan(contact, MAX_NESTING))
      details.push({ field: `data.${index}`, message: `nests deeper than ${MAX_NESTING} levels` });
  });
  return details;
}

/** The body's shape, or a 400 naming every problem. */
export function parseContactBody(raw: unknown): ContactBody {
  const parsed = Body.safeParse(raw);
  const deep = tooDeep(raw);
  if (parsed.success && deep.length === 0) return parsed.data;
  const details: ErrorDetail[] = [
    ...(parsed.error?.issues ?? []).map((issue) => ({
      field: issue.path.map(String).join("."),
      message: issue.message,
    })),
    ...deep,
  ];
  const summary = details
    .map((detail) => (detail.field ? `${detail.field} ${detail.message}` : detail.message))
    .join("; ");
  throw invalid(`Invalid request: ${summary}.`, details);
}

/** One valid contact, its custom values checked against their fields. */
export interface AcceptedContact {
  email: string;
  firstName: string | null;
  lastName: string | null;
  customValues: { field: CustomField; value: CustomValue }[];
}

export interface Classified {
  valid: { sent: SentContact; accepted: AcceptedContact }[];
  invalid: { sent: SentContact; reason: string }[];
}

export interface ClassifyOptions {
  /** Account-wide fields and the list's, oldest first; the first of a name wins. */
  fields: readonly CustomField[];
  /** Lower-cased emails the account already has. */
  existing: ReadonlySet<string>;
  updateExisting: boolean;
}

function nameOf(raw: unknown, key: string): { value: string | null } | { reason: string } {
  if (raw === undefined || raw === null) return { value: null };
  if (typeof raw !== "string") return { reason: `${key} must be a string` };
  const value = raw.trim();
  if (value.length > MAX_NAME) return { reason: `${key} may be at most ${MAX_NAME} characters` };
  return { value: value || null };
}

function emailOf(raw: unknown): { email: string } | { reason: string } {
  if (raw === undefined || raw === null || raw === "") return { reason: "Email is required" };
  if (typeof raw !== "string") return { reason: "Email must be a string" };
  const email = raw.trim();
  if (email.length > MAX_EMAIL) return { reason: `Email ${tooLong(MAX_EMAIL)}` };
  if (!isEmail(email)) return { reason: `Invalid email: ${shown(email)}` };
  return { email };
}

/**
 * Each contact's own problems, before it is compared with the others and the account: every
 * one of them, joined by "; " in its one reason, so a client fixes a contact in one go.
 */
function check(
  sent: SentContact,
  fieldsByName: ReadonlyMap<string, CustomField>,
  options: ClassifyOptions,
): AcceptedContact | string {
  const reasons: string[] = [];
  const email = emailOf(sent.email);
  if ("reason" in email) reasons.push(email.reason);
  const first = nameOf(sent.first_name, "first_name");
  if ("reason" in first) reasons.push(first.reason);
  const last = nameOf(sent.last_name, "last_name");
  if ("reason" in last) reasons.push(last.reason);

  const raw = sent.custom_fields ?? {};
  // Keys that name the same field in another case: the last one sent wins, as in JSON.
  const values = new Map<string, { field: CustomField; value: CustomValue | null }>();
  const refused = new Set<string>();
  if (typeof raw !== "object" || Array.isArray(raw)) {
    reasons.push("custom_fields must be an object of values by custom field name");
  } else {
    for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
      const field = fieldsByName.get(name.trim().toLowerCase());
      if (!field) {
        reasons.push(`Custom field "${name}" does not exist`);
        continue;
      }
      const coerced = coerceValue(field, value);
      if (coerced.ok) values.set(field.id, { field, value: coerced.value });
      else {
        refused.add(field.id);
        reasons.push(`Invalid value for custom field "${field.name}": ${coerced.message}`);
      }
    }
  }
  const customValues: AcceptedContact["customValues"] = [];
  for (const { field, value } of values.values()) {
    if (value !== null) customValues.push({ field, value });
  }

  // A required field must end with a value on a new contact: sent, or the field's default.
  // An existing contact keeps its stored values, so this is checked for new ones only.
  // Custom fields that are no object say nothing about which fields were sent.
  const known = "email" in email && options.existing.has(email.email.toLowerCase());
  const readable = typeof raw === "object" && !Array.isArray(raw);
  if (!known && readable) {
    for (const field of options.fields) {
      if (!field.required || field.list_id !== null) continue;
      if (customValues.some((custom) => custom.field.id === field.id)) continue;
      // A value sent but refused is already a reason.
      if (refused.has(field.id)) continue;
      if (field.default_value !== null && field.default_value !== undefined) continue;
      reasons.push(`Custom field "${field.name}" is required`);
    }
  }
  if (reasons.length > 0 || !("email" in email) || "reason" in first || "reason" in last)
    return reasons.join("; ");
  return { email: email.email, firstName: first.value, lastName: last.value, customValues };
}

/**
 * Splits the contacts into valid and invalid, in the order sent. A later contact with the
 * email of an earlier valid one is "Contact already exists in request, not unique"; the first
 * stays valid. An email the account has is "Contact already exists" unless update_subscribers.
 */
export function classifyContacts(
  contacts: readonly SentContact[],
  options: ClassifyOptions,
): Classified {
  const fieldsByName = new Map<string, CustomField>();
  for (const field of options.fields) {
    const key = field.name.toLowerCase();
    if (!fieldsByName.has(key)) fieldsByName.set(key, field);
  }
  const seen = new Set<string>();
  const out: Classified = { valid: [], invalid: [] };
  for (const sent of contacts) {
    const checked = check(sent, fieldsByName, options);
    if (typeof checked === "string") {
      out.invalid.push({ sent, reason: checked });
      continue;
    }
    const email = checked.email.toLowerCase();
    if (seen.has(email)) {
      out.invalid.push({ sent, reason: "Contact already exists in request, not unique" });
    } else if (!options.updateExisting && options.existing.has(email)) {
      out.invalid.push({ sent, reason: "Contact already exists" });
    } else {
      seen.add(email);
      out.valid.push({ sent, accepted: checked });
    }
  }
  return out;
}

/** The trimmed emails of contacts that have one, to look up in the account (in any case). */
export function emailsOf(contacts: readonly SentContact[]): string[] {
  return contacts
    .map((contact) => (typeof contact.email === "string" ? contact.email.trim() : ""))
    .filter((email) => email !== "");
}
