import { z } from "zod";
import type { SubscriberRow, TagRow } from "../../db/types.js";
import type { SubscriberInput } from "../../domain/subscribers/input.js";

// botamp's subscriber fields ↔ ours. `name` is one field there and two here: it is split at its
// first run of spaces (first name, then the rest as last name) and shown joined again.
// `company_name` is our `company`.

/** A text field: a string, or null to clear it (the single upsert) / leave it (the batch). */
const text = z.string({ error: "must be a string" }).nullable().optional();

const fields = {
  name: text,
  job_title: text,
  country: text,
  address: text,
  company_name: text,
  website: text,
  postal_code: text,
  birthday: text,
  tags: z
    .array(z.string({ error: "must be a string" }), { error: "must be an array of tag names" })
    .nullable()
    .optional(),
};

/** One subscriber of `create_or_update`; keys botamp does not document are ignored. */
export const subscriberBody = z.object(
  { email: z.string({ error: "is required and must be a string" }), ...fields },
  { error: "must be an object" },
);

/** The body of `create_or_update`. */
export const createOrUpdateBody = z.object(
  { subscriber: subscriberBody },
  { error: 'must be a JSON object with a "subscriber" object' },
);

/**
 * One subscriber of `create_or_update_many`: only JSON types are checked here. A missing or
 * invalid email or a bad birthday is the row's problem, reported in the mail, not the request's.
 */
export const batchSubscriberBody = z.object(
  { email: z.string({ error: "must be a string" }).nullable().optional(), ...fields },
  { error: "must be an object" },
);

/** The body of `create_or_update_many`. */
export const createOrUpdateManyBody = z.object(
  {
    subscribers: z
      .array(batchSubscriberBody, { error: "must be an array of subscribers" })
      .min(1, { error: "must hold at least one subscriber" }),
  },
  { error: 'must be a JSON object with a "subscribers" array' },
);

export type BotampSubscriber = z.infer<typeof subscriberBody>;
export type BotampBatchSubscriber = z.infer<typeof batchSubscriberBody>;

/** "Ada King Lovelace" → Ada / King Lovelace; blank → both null (cleared). */
export function splitName(name: string | null): { first: string | null; last: string | null } {
  const trimmed = name?.trim() ?? "";
  if (trimmed === "") return { first: null, last: null };
  const at = trimmed.search(/\s/);
  if (at === -1) return { first: trimmed, last: null };
  return { first: trimmed.slice(0, at), last: trimmed.slice(at).trim() };
}

export function joinName(row: Pick<SubscriberRow, "first_name" | "last_name">): string | null {
  const name = [row.first_name, row.last_name].filter((part) => part?.trim()).join(" ");
  return name === "" ? null : name;
}

/** What the single upsert changes: every field sent (null or "" clears it), nothing else. */
export function toSubscriberInput(subscriber: BotampSubscriber): SubscriberInput {
  const input: SubscriberInput = { email: subscriber.email };
  if (subscriber.name !== undefined) {
    const { first, last } = splitName(subscriber.name);
    input.firstName = first;
    input.lastName = last;
  }
  if (subscriber.job_title !== undefined) input.jobTitle = subscriber.job_title;
  if (subscriber.country !== undefined) input.country = subscriber.country;
  if (subscriber.address !== undefined) input.address = subscriber.address;
  if (subscriber.company_name !== undefined) input.company = subscriber.company_name;
  if (subscriber.website !== undefined) input.website = subscriber.website;
  if (subscriber.postal_code !== undefined) input.postalCode = subscriber.postal_code;
  if (subscriber.birthday !== undefined) input.birthday = subscriber.birthday;
  return input;
}

/** The columns of the import pipeline, in this order, for each batch row. */
export const IMPORT_COLUMNS = [
  "email",
  "first_name",
  "last_name",
  "job_title",
  "country",
  "address",
  "company",
  "website",
  "postal_code",
  "birthday",
  "tags",
] as const;

/** A batch row as an import row (a blank value leaves the stored one, as in every import). */
export function toImportRow(subscriber: BotampBatchSubscriber): Record<string, unknown> {
  const { first, last } =
    subscriber.name === undefined ? { first: null, last: null } : splitName(subscriber.name);
  return {
    email: subscriber.email,
    first_name: first,
    last_name: last,
    job_title: subscriber.job_title,
    country: subscriber.country,
    address: subscriber.address,
    company: subscriber.company_name,
    website: subscriber.website,
    postal_code: subscriber.postal_code,
    birthday: subscriber.birthday,
    tags: subscriber.tags,
  };
}

/** The subscriber as botamp's fields, with our public id (the one every surface shows). */
export function subscriberOut(row: SubscriberRow, tags: readonly TagRow[]) {
  return {
    id: row.public_id,
    email: row.email,
    name: joinName(row),
    job_title: row.job_title,
    country: row.country,
    address: row.address,
    company_name: row.company,
    website: row.website,
    postal_code: row.postal_code,
    birthday: row.birthday,
    tags: tags.map((tag) => tag.name).sort((a, b) => a.localeCompare(b)),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
