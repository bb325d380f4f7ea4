import { sql } from "kysely";
import type { ConversationRow, MessageChannel } from "../../db/types.js";
import type { Queryable } from "../context.js";
import { publishChange } from "../realtime/publish.js";
import { type EventSource, emitEvent } from "../webhooks/events.js";
import { conversationData } from "./payload.js";

// The thread a message belongs to: one per contact per channel, opened by the first message
// either way. A message from the contact reopens a resolved or snoozed thread (someone must
// answer it); one we send leaves its status as it is. Campaign messages open no thread (a
// 100,000-contact campaign would open 100,000); the contact's reply does.

export interface Thread {
  row: ConversationRow;
  created: boolean;
  reopened: boolean;
}

export async function threadFor(
  db: Queryable,
  source: EventSource & { sandbox: boolean },
  contact: { id: string; publicId: string },
  channel: MessageChannel,
  direction: "outbound" | "inbound",
): Promise<Thread> {
  const accountId = source.account.id;
  const inbound = direction === "inbound";
  const { rows } = await sql<ConversationRow & { created: boolean; previous: string | null }>`
    with before as (
      select status from conversations
      where account_id = ${accountId} and subscriber_id = ${contact.id} and channel = ${channel}
    )
    insert into conversations as c (account_id, subscriber_id, channel, sandbox, last_message_at)
    values (${accountId}, ${contact.id}, ${channel}, ${source.sandbox}, now())
    on conflict (account_id, subscriber_id, channel) do update set
      last_message_at = now(),
      updated_at = now(),
      status = case when ${inbound} and c.status in ('resolved', 'snoozed') then 'open' else c.status end,
      snoozed_until = case when ${inbound} then null else c.snoozed_until end,
      resolved_at = case when ${inbound} then null else c.resolved_at end
    returning c.*, (xmax = 0) as created, (select status from before) as previous
  `.execute(db);
  const { created, previous, ...row } = rows[0];
  const reopened = previous !== null && previous !== row.status;
  if (created) {
    await emitEvent(db, source, "conversation.created", {
      conversation: conversationData(row, { contactId: contact.publicId, assigneeId: null }),
    });
  }
  if (created || reopened)
    await publishChange(db, { accountId, topic: "conversation", id: row.public_id });
  return { row, created, reopened };
}
