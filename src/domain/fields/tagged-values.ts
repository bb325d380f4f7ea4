import type { Issue } from "../errors.js";
import { isExclusiveGroup, isGroupType } from "./form-types.js";
import type { CustomField } from "./read.js";

// Custom values sent as text by merge tag (MERGE_BIRTHDAY), as a subscription form sends them.
// How the text reads (a date's order, what an option's "on" is) is the client's notation: the
// surface passes its reader. What the values then mean is the product's: tags of no field of the
// list are ignored, groups hold no value, and choosing an option of a radio or drop down group
// clears its siblings.

export type ReadValue = { ok: true; value: unknown } | { ok: false; message: string };

/** One value as the client writes it, made a raw value of the field's shared type. */
export type ValueReader = (
  field: Pick<CustomField, "type" | "form_type">,
  text: string,
) => ReadValue;

/** The fields a list's subscriber has: the account's own and the list's. */
export function fieldsOfList(fields: readonly CustomField[], listId: string): CustomField[] {
  return fields.filter((field) => field.list_id === null || field.list_id === listId);
}

/**
 * The raw value changes (by field id) that values by merge tag make, for the shared custom value
 * rules to check and store; issues name the value by its merge tag (["customValues", tag]).
 */
export function changesFromTaggedValues(
  fields: readonly CustomField[],
  values: Readonly<Record<string, string>>,
  read: ValueReader,
): { changes: Map<string, unknown>; issues: Issue[] } {
  const changes = new Map<string, unknown>();
  const issues: Issue[] = [];
  const chosenGroups = new Set<string>();
  for (const field of fields) {
    const raw = values[field.merge_tag];
    if (raw === undefined || isGroupType(field.form_type)) continue;
    const got = read(field, raw);
    if (!got.ok) {
      issues.push({ path: ["customValues", field.merge_tag], message: got.message });
      continue;
    }
    changes.set(field.id, got.value);
    if (got.value === true && field.form_type === "option" && field.group_id !== null)
      chosenGroups.add(field.group_id);
  }
  // Choosing an option of a radio or drop down group clears the options not sent.
  for (const field of fields) {
    if (field.form_type !== "option" || field.group_id === null) continue;
    if (!chosenGroups.has(field.group_id) || values[field.merge_tag] !== undefined) continue;
    const group = fields.find((candidate) => candidate.id === field.group_id);
    if (group && isExclusiveGroup(group.form_type)) changes.set(field.id, false);
  }
  return { changes, issues };
}
