import type { Issue } from "../errors.js";
import type { CustomField } from "../fields/read.js";
import { isDate } from "../fields/values.js";
import { isExclusiveGroup, isGroupType, isOff } from "./field-types.js";

// Custom values as Mailtrain clients send them: by merge tag, as text. Dates come as
// MM/DD/YYYY or DD/MM/YYYY, birthdays without a year, options as yes/no.

/** The fields a list's subscriber has: the account's own and the list's. */
export function fieldsOfList(fields: readonly CustomField[], listId: string): CustomField[] {
  return fields.filter((field) => field.list_id === null || field.list_id === listId);
}

const DATE_PARTS = /^(\d{1,4})\D+(\d{1,2})(?:\D+(\d{1,4}))?$/;

type FieldKind = Pick<CustomField, "type" | "mailtrain_type">;

/** Mailtrain's date reading: month first for -us, day first for -eur; birthdays in 2000. */
function isoDate(field: FieldKind, text: string): string | null {
  const type = field.mailtrain_type ?? "";
  if (isDate(text)) return type.startsWith("birthday") ? `2000${text.slice(4)}` : text;
  const parts = DATE_PARTS.exec(text);
  if (!parts) return null;
  const us = type.endsWith("-us");
  const month = Number(parts[us ? 1 : 2]);
  const day = Number(parts[us ? 2 : 1]);
  const year = type.startsWith("birthday") || parts[3] === undefined ? 2000 : Number(parts[3]);
  const iso = `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  return isDate(iso) ? iso : null;
}

function formatOf(field: FieldKind): string {
  switch (field.mailtrain_type) {
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

export type MergeValue = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * One value as Mailtrain sends it, made a raw value of the field's shared type: an option is on
 * unless false, no, 0 or empty; a date is read in the field's format.
 */
export function readMergeValue(field: FieldKind, raw: string): MergeValue {
  const text = raw.trim();
  if (field.mailtrain_type === "option") return { ok: true, value: !isOff(text) };
  if (field.type !== "date" || text === "") return { ok: true, value: text };
  const iso = isoDate(field, text);
  return iso === null
    ? { ok: false, message: `"${text}" is not a date (${formatOf(field)})` }
    : { ok: true, value: iso };
}

/**
 * The raw value changes (by field id) that the merge-tag values make, for the shared custom
 * value rules to check and store. Tags of no field of the list are ignored, as Mailtrain did.
 */
export function changesFromMergeTags(
  fields: readonly CustomField[],
  values: Readonly<Record<string, string>>,
): { changes: Map<string, unknown>; issues: Issue[] } {
  const changes = new Map<string, unknown>();
  const issues: Issue[] = [];
  const chosenGroups = new Set<string>();
  for (const field of fields) {
    const raw = values[field.merge_tag];
    if (raw === undefined || isGroupType(field.mailtrain_type)) continue;
    const read = readMergeValue(field, raw);
    if (!read.ok) {
      issues.push({ path: [field.merge_tag], message: `${field.merge_tag}: ${read.message}` });
      continue;
    }
    changes.set(field.id, read.value);
    if (read.value === true && field.mailtrain_type === "option" && field.group_id !== null)
      chosenGroups.add(field.group_id);
  }
  // Choosing an option of a radio or drop down group clears the options not sent.
  for (const field of fields) {
    if (field.mailtrain_type !== "option" || field.group_id === null) continue;
    if (!chosenGroups.has(field.group_id) || values[field.merge_tag] !== undefined) continue;
    const group = fields.find((candidate) => candidate.id === field.group_id);
    if (group && isExclusiveGroup(group.mailtrain_type)) changes.set(field.id, false);
  }
  return { changes, issues };
}
