import type { NewSubscriberRow, SubscriberStatus } from "../../db/types.js";
import { MAX_EMAIL, MAX_LONG_TEXT, MAX_SHORT_TEXT, shown, tooLong } from "../bounds.js";
import { isEmail, normalizeEmail } from "../email.js";
import { type Issue, NotFound } from "../errors.js";
import type { CustomField } from "../fields/read.js";
import { applyCustomValues, type CustomValues, isDate } from "../fields/values.js";
import { canonicalTimezone, timezoneProblem } from "../timezones.js";

// What a client may send about a subscriber, and how it is checked. Keys are the names clients
// use (issue paths point at them); PROFILE maps them to columns.

export const SUBSCRIBER_STATUSES: readonly SubscriberStatus[] = [
  "active",
  "unsubscribed",
  "bounced",
  "complained",
];

export const PROFILE = {
  firstName: "first_name",
  lastName: "last_name",
  phone: "phone",
  timezone: "timezone",
  jobTitle: "job_title",
  company: "company",
  country: "country",
  address: "address",
  website: "website",
  postalCode: "postal_code",
} as const;
export type ProfileKey = keyof typeof PROFILE;
type ProfileColumn = (typeof PROFILE)[ProfileKey];

/** The longest value of each profile field; the others are short text. */
const PROFILE_MAX: Readonly<Record<ProfileKey, number>> = {
  firstName: MAX_SHORT_TEXT,
  lastName: MAX_SHORT_TEXT,
  phone: MAX_SHORT_TEXT,
  timezone: MAX_SHORT_TEXT,
  jobTitle: MAX_SHORT_TEXT,
  company: MAX_SHORT_TEXT,
  country: MAX_SHORT_TEXT,
  address: MAX_LONG_TEXT,
  website: MAX_LONG_TEXT,
  postalCode: MAX_SHORT_TEXT,
};

/** The problem with one profile value, or null; `raw` as sent (it is trimmed first). */
export function profileProblem(key: ProfileKey, raw: string | null | undefined): string | null {
  const text = raw?.trim() ?? "";
  if (text.length > PROFILE_MAX[key]) return tooLong(PROFILE_MAX[key]);
  return key === "timezone" && text !== "" ? timezoneProblem(text) : null;
}

export interface CustomValueChange {
  /** Public id of the custom field. */
  fieldId: string;
  /** A raw value of the field's type; null clears it. */
  value: unknown;
}

/** undefined: leave as it is; null: clear (where the field may be empty). */
export type SubscriberInput = { [key in ProfileKey]?: string | null } & {
  email?: string | null;
  birthday?: string | null;
  status?: SubscriberStatus | null;
  customValues?: readonly CustomValueChange[] | null;
  /** The address a double opt-in was confirmed from (set by the confirmation, not by clients). */
  optInIp?: string | null;
};

/** The columns a write sets. */
export type SubscriberColumns = Partial<
  Pick<NewSubscriberRow, ProfileColumn | "email" | "birthday" | "status" | "opt_in_ip">
> & { custom_values?: CustomValues };

export interface CheckOptions {
  /** The stored values for an update; null when creating (email required, defaults applied). */
  current: { custom_values: unknown } | null;
  /** The account's custom fields, loaded once per request or batch. */
  fields: readonly CustomField[];
  /** Where this subscriber sits in the input: [] for one, ["subscribers", "3"] in a batch. */
  path: string[];
}

/** Checks an email alone (upserts check every email before anything else). */
export function checkEmail(raw: string | null | undefined): { email?: string; message?: string } {
  const email = normalizeEmail(raw ?? "");
  if (!email) return { message: "is required" };
  if (email.length > MAX_EMAIL) return { message: tooLong(MAX_EMAIL) };
  if (!isEmail(email)) return { message: `${shown(email)} is not an email address` };
  return { email };
}

/**
 * The columns a subscriber write sets, and every problem with the input. Custom values are
 * merged with the stored ones and checked through applyCustomValues on every write, so
 * `required` holds whatever the surface. An unknown custom field id is NotFound.
 */
export function checkSubscriber(
  input: SubscriberInput,
  { current, fields, path }: CheckOptions,
): { columns: SubscriberColumns; issues: Issue[] } {
  const issues: Issue[] = [];
  const columns: SubscriberColumns = {};
  const issue = (key: string, message: string) => issues.push({ path: [...path, key], message });

  if (current === null || input.email !== undefined) {
    const checked = checkEmail(input.email);
    if (checked.message !== undefined) issue("email", checked.message);
    else columns.email = checked.email;
  }
  for (const [key, column] of Object.entries(PROFILE) as [ProfileKey, ProfileColumn][]) {
    const raw = input[key];
    if (raw === undefined) continue;
    const problem = profileProblem(key, raw);
    if (problem !== null) issue(key, problem);
    else if (key === "timezone") columns.timezone = raw?.trim() ? canonicalTimezone(raw) : null;
    else columns[column] = raw?.trim() || null;
  }
  if (input.birthday !== undefined) {
    const birthday = input.birthday?.trim() || null;
    if (birthday !== null && !isDate(birthday))
      issue("birthday", `${shown(birthday)} is not a date (YYYY-MM-DD)`);
    else columns.birthday = birthday;
  }
  if (input.status === null) issue("status", "cannot be cleared");
  else if (input.status !== undefined) {
    if (!SUBSCRIBER_STATUSES.includes(input.status))
      issue("status", `must be one of ${SUBSCRIBER_STATUSES.join(", ")}`);
    else columns.status = input.status;
  }

  if (input.optInIp !== undefined) columns.opt_in_ip = input.optInIp;

  const changes = new Map<string, unknown>();
  for (const change of input.customValues ?? []) {
    const field = fields.find((candidate) => candidate.public_id === change.fieldId);
    if (!field) throw new NotFound("CustomField", change.fieldId);
    changes.set(field.id, change.value);
  }
  const stored = current === null ? null : ((current.custom_values ?? {}) as CustomValues);
  const applied = applyCustomValues(fields, {
    current: stored,
    changes,
    path: [...path, "customValues"],
  });
  issues.push(...applied.issues);
  if (current === null || changes.size > 0) columns.custom_values = applied.values;
  return { columns, issues };
}
