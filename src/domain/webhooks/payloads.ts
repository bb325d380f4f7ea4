import type { SubscriberRow } from "../../db/types.js";

// What an event's `data` says of the resource it is about: the product's fields in the
// snake_case of the webhook body, the same whichever surface made the change.

export function contactEventData(row: SubscriberRow): Record<string, unknown> {
  return {
    contact: {
      id: row.public_id,
      email: row.email,
      first_name: row.first_name,
      last_name: row.last_name,
      phone: row.phone,
      status: row.status,
      sandbox: row.sandbox,
      created_at: row.created_at.toISOString(),
      updated_at: row.updated_at.toISOString(),
    },
  };
}

export function deletedContactEventData(publicId: string, email: string): Record<string, unknown> {
  return { contact: { id: publicId, email } };
}

/** import.completed: which import, and what it did (no per-contact events come with it). */
export function importCompletedData(
  imp: { publicId: string; source: string; filename: string | null },
  counts: { total: number; created: number; updated: number; invalid: number },
): Record<string, unknown> {
  return {
    import: {
      id: imp.publicId,
      status: "completed",
      source: imp.source,
      filename: imp.filename,
      total: counts.total,
      created: counts.created,
      updated: counts.updated,
      invalid: counts.invalid,
    },
  };
}
