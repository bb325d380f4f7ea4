import type { ConversationRow } from "../../db/types.js";

/** A conversation as webhook events (conversation.*) and botbat show it, with public ids. */
export function conversationData(
  row: ConversationRow,
  ids: { contactId: string; assigneeId: string | null },
): Record<string, unknown> {
  return {
    id: row.public_id,
    contact_id: ids.contactId,
    channel: row.channel,
    status: row.status,
    assignee_id: ids.assigneeId,
    snoozed_until: row.snoozed_until?.toISOString() ?? null,
    last_message_at: row.last_message_at?.toISOString() ?? null,
    resolved_at: row.resolved_at?.toISOString() ?? null,
    sandbox: row.sandbox,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
