import type { ListRow, TagRow } from "../../db/types.js";
import type { Context } from "../../domain/context.js";
import { createImportFromRows } from "../../domain/imports/create.js";
import type { AcceptedContact } from "./contacts.js";

// The valid contacts of a request become an import of typed rows (source "audience"): one job
// writes them through the same checks and merge as every CSV upload, joining the list and getting
// the tags.

export interface QueueInput {
  contacts: readonly AcceptedContact[];
  list: ListRow | null;
  tags: readonly TagRow[];
  updateExisting: boolean;
}

/**
 * Each contact as an import row. Custom values go under their field's column name: a field
 * named like a standard column ("Mobile", "Email") would otherwise land in that column.
 */
export function importRowOf(contact: AcceptedContact): Record<string, unknown> {
  const row: Record<string, unknown> = {
    email: contact.email,
    first_name: contact.firstName,
    last_name: contact.lastName,
  };
  for (const { field, value } of contact.customValues) row[field.column_name] = value;
  return row;
}

export async function queueContacts(
  ctx: Context,
  input: QueueInput,
): Promise<{ importId: string }> {
  const rows = input.contacts.map(importRowOf);
  const created = await createImportFromRows(ctx, {
    source: "audience",
    rows,
    listId: input.list?.public_id ?? null,
    tagIds: input.tags.map((tag) => tag.id),
    updateExisting: input.updateExisting,
  });
  return { importId: created.public_id };
}
