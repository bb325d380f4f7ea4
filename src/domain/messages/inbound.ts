import { sql } from "kysely";
import type { MessageChannel, MessageRow } from "../../db/types.js";
import type { Logger } from "../../log.js";
import type { Jobs, Queryable } from "../context.js";
import { threadFor } from "../conversations/thread.js";
import { publishChange } from "../realtime/publish.js";
import { emitEvent } from "../webhooks/events.js";
import { messageData } from "./payload.js";

// A message from a phone (an SMS deliver_sm, a WhatsApp webhook) names only the sender's number,
// and one gateway serves many accounts. It belongs to the contact with that number (its digits,
// whatever the contact's formatting) that was last sent a message on that channel; when none was,
// to the one account that has a contact with that number. A number unknown to every account, or
// known to several none of which wrote to it, is logged and dropped: no account may read
// another's mail. The message opens or reopens the contact's conversation on that channel.

export interface InboundMessage {
  channel: MessageChannel;
  /** The sender's number as the provider gives it. */
  from: string;
  body: string;
  /** The provider's id (WhatsApp's wamid): a webhook delivered twice stores one message. */
  providerMessageId: string | null;
  at?: Date | null;
}

interface Candidate {
  id: string;
  account_id: string;
  public_id: string;
  sandbox: boolean;
  last_message: string | null;
}

/** The contact a number writes as, or null (unknown or ambiguous). */
async function senderOf(
  db: Queryable,
  channel: MessageChannel,
  digits: string,
): Promise<Candidate | null> {
  const { rows } = await sql<Candidate>`
    select s.id, s.account_id, s.public_id, s.sandbox,
      (select max(m.id) from messages m
        where m.account_id = s.account_id and m.subscriber_id = s.id
          and m.channel = ${channel} and m.direction = 'outbound') as last_message
    from subscribers s
    where s.phone is not null and regexp_replace(s.phone, '[^0-9]', '', 'g') = ${digits}
    order by last_message desc nulls last, s.id
    limit 100`.execute(db);
  if (rows.length === 0) return null;
  if (rows[0].last_message !== null) return rows[0];
  const accounts = new Set(rows.map((row) => row.account_id));
  return accounts.size === 1 ? rows[0] : null;
}

/** Stores an inbound message; null when it was dropped (unknown sender) or already stored. */
export async function receiveInbound(
  db: Queryable,
  jobs: Jobs,
  log: Logger,
  message: InboundMessage,
): Promise<MessageRow | null> {
  const digits = message.from.replace(/\D/g, "");
  const contact = digits ? await senderOf(db, message.channel, digits) : null;
  if (!contact) {
    // The number is not logged whole: it is a stranger's personal data.
    log.warn(
      { channel: message.channel, from: `…${digits.slice(-3)}` },
      "inbound message from a number no account knows (or several do): dropped",
    );
    return null;
  }
  const work = async (trx: Queryable): Promise<MessageRow | null> => {
    const source = { account: { id: contact.account_id }, jobs, sandbox: contact.sandbox };
    const inserted = await sql<MessageRow>`
      insert into messages (account_id, subscriber_id, channel, direction, address, body, status,
        received_at, provider_message_id, sandbox)
      values (${contact.account_id}, ${contact.id}, ${message.channel}, 'inbound', ${`+${digits}`},
        ${message.body}, 'received', coalesce(${message.at?.toISOString() ?? null}::timestamptz, now()),
        ${message.providerMessageId}, ${contact.sandbox})
      on conflict (channel, provider_message_id) where provider_message_id is not null do nothing
      returning *`.execute(trx);
    if (inserted.rows.length === 0) return null;
    const thread = await threadFor(
      trx,
      source,
      { id: contact.id, publicId: contact.public_id },
      message.channel,
      "inbound",
    );
    const row = await trx
      .updateTable("messages")
      .set({ conversation_id: thread.row.id })
      .where("account_id", "=", contact.account_id)
      .where("id", "=", inserted.rows[0].id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await emitEvent(trx, source, "message.received", {
      message: messageData(row, {
        contactId: contact.public_id,
        conversationId: thread.row.public_id,
        campaignId: null,
        templateId: null,
      }),
    });
    await publishChange(trx, {
      accountId: contact.account_id,
      topic: "message",
      id: row.public_id,
    });
    return row;
  };
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}
