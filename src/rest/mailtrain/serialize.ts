import type { ListRow, SubscriptionStatus } from "../../db/types.js";
import { isGroupType } from "../../domain/fields/form-types.js";
import type { CustomField } from "../../domain/fields/read.js";
import type { ExportedMember } from "../../domain/lists/export.js";
import type { CountedList } from "../../domain/lists/find.js";

// Domain rows in Mailtrain's shapes: numeric ids, camelCased keys, MySQL-style 0/1 flags,
// timestamps as ISO strings, status codes 1..4.

const STATUS_CODES: Record<SubscriptionStatus, number> = {
  subscribed: 1,
  unsubscribed: 2,
  bounced: 3,
  complained: 4,
  // Never shown (pending subscriptions are left out); kept so the map is total.
  pending: 0,
};

/** `custom_birthday_r1x7` → `customBirthdayR1x7`, as Mailtrain's tools.toCamelCase did. */
export function camelCase(column: string): string {
  return column.replace(/_([a-z0-9])/g, (_match, char: string) => char.toUpperCase());
}

const iso = (value: Date | null) => (value === null ? null : value.toISOString());
const flag = (value: boolean) => (value ? 1 : 0);

/** The custom fields that are columns of a subscription row (groups hold no value). */
export function valueColumns(fields: readonly CustomField[]): CustomField[] {
  return fields.filter((field) => !isGroupType(field.form_type));
}

function customValue(field: CustomField, stored: unknown): unknown {
  if (field.type === "boolean") return stored === true ? 1 : 0;
  if (stored === undefined || stored === null) return null;
  // Dates were TIMESTAMP columns in Mailtrain: midnight UTC of the day.
  if (field.type === "date") return `${String(stored)}T00:00:00.000Z`;
  return stored;
}

export function memberOut(
  row: ExportedMember,
  columns: readonly { key: string; field: CustomField }[],
): Record<string, unknown> {
  const json: Record<string, unknown> = {
    id: Number(row.id),
    cid: row.public_id,
    email: row.email,
    optInIp: row.opt_in_ip,
    optInCountry: row.opt_in_country,
    // Stored as IANA spells it; shown lower-cased, as Mailtrain stored it.
    tz: row.timezone?.toLowerCase() ?? null,
    imported: null,
    status: STATUS_CODES[row.status],
    isTest: 0,
    statusChange: iso(row.status_changed_at),
    latestOpen: null,
    latestClick: null,
    created: iso(row.created_at),
    firstName: row.first_name,
    lastName: row.last_name,
  };
  for (const { key, field } of columns) json[key] = customValue(field, row.custom_values[field.id]);
  return json;
}

export function listSummaryOut(list: CountedList) {
  return { id: Number(list.id), name: list.name, subscribers: list.subscribers, segments: [] };
}

/** `GET /api/lists/:email`: the list's id and name. */
export function listNameOut(list: ListRow) {
  return { id: Number(list.id), name: list.name };
}

export function listOut(list: ListRow, subscribers: number) {
  return {
    id: Number(list.id),
    cid: list.public_id,
    defaultForm: list.default_form === null ? null : Number(list.default_form),
    name: list.name,
    description: list.description,
    subscribers,
    created: iso(list.created_at),
    publicSubscribe: flag(list.public_subscribe),
    unsubscriptionMode: list.unsubscription_mode,
    listunsubscribeDisabled: flag(list.listunsubscribe_disabled),
    segments: [],
  };
}
