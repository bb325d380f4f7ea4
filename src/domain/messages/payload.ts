import type { MessageRow } from "../../db/types.js";

/** The public ids a message names, which its row holds as internal ones. */
export interface MessageIds {
  contactId: string;
  conversationId: string | null;
  campaignId: string | null;
  templateId: string | null;
}

function time(value: Date | null): string | null {
  return value?.toISOString() ?? null;
}

/** A message as webhook events (message.*) and botbat show it, with public ids. */
export function messageData(row: MessageRow, ids: MessageIds): Record<string, unknown> {
  return {
    id: row.public_id,
    contact_id: ids.contactId,
    conversation_id: ids.conversationId,
    campaign_id: ids.campaignId,
    template_id: ids.templateId,
    channel: row.channel,
    direction: row.direction,
    address: row.address,
    status: row.status,
    subject: row.subject,
    body: row.body,
    queued_at: row.direction === "outbound" ? time(row.queued_at) : null,
    sent_at: time(row.sent_at),
    delivered_at: time(row.delivered_at),
    read_at: time(row.read_at),
    failed_at: time(row.failed_at),
    received_at: time(row.received_at),
    failure_reason: row.failure_reason,
    provider_message_id: row.provider_message_id,
    attempts: row.attempts,
    sandbox: row.sandbox,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
