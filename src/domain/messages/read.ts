import { type Expression, type SqlBool, sql } from "kysely";
import type {
  MessageChannel,
  MessageDirection,
  MessageRow,
  MessageStatus,
} from "../../db/types.js";
import type { Context, Queryable } from "../context.js";
import { NotFound } from "../errors.js";
import { inRequestedOrder } from "../order.js";
import type { Page } from "../page.js";

// Messages as every surface reads them: the row with the public ids of what it belongs to
// (contact, conversation, template, campaign), so that no surface looks them up one by one.

export type MessageView = MessageRow & {
  contact_public_id: string;
  conversation_public_id: string | null;
  template_public_id: string | null;
  campaign_public_id: string | null;
};

export interface MessageFilter {
  status?: MessageStatus | null;
  channel?: MessageChannel | null;
  direction?: MessageDirection | null;
  /** A contact's public id: its messages only. */
  contactId?: string | null;
}

/** The messages of the account with the public ids they refer to. */
function selectMessages(ctx: Pick<Context, "account">, db: Queryable) {
  return db
    .selectFrom("messages")
    .innerJoin("subscribers", "subscribers.id", "messages.subscriber_id")
    .leftJoin("conversations", "conversations.id", "messages.conversation_id")
    .leftJoin("templates", "templates.id", "messages.template_id")
    .leftJoin("campaigns", "campaigns.id", "messages.campaign_id")
    .selectAll("messages")
    .select([
      "subscribers.public_id as contact_public_id",
      "conversations.public_id as conversation_public_id",
      "templates.public_id as template_public_id",
      "campaigns.public_id as campaign_public_id",
    ])
    .where("messages.account_id", "=", ctx.account.id);
}

/** The message with this public id, read through `db` (the caller's transaction, or the pool). */
export async function getMessage(
  ctx: Pick<Context, "account" | "db">,
  publicId: string,
  db: Queryable = ctx.db,
): Promise<MessageView> {
  const row = await selectMessages(ctx, db)
    .where("messages.public_id", "=", publicId)
    .executeTakeFirst();
  if (!row) throw new NotFound("Message", publicId);
  return row;
}

/** Messages by public id, in the order asked (null where none), for GraphQL's node loads. */
export async function getMessages(
  ctx: Context,
  publicIds: readonly string[],
): Promise<(MessageView | null)[]> {
  if (publicIds.length === 0) return [];
  const rows = await selectMessages(ctx, ctx.db)
    .where("messages.public_id", "in", publicIds)
    .execute();
  return inRequestedOrder(publicIds, rows, (row) => row.public_id);
}

function filtered(ctx: Context, filter: MessageFilter) {
  let query = selectMessages(ctx, ctx.db);
  if (filter.status) query = query.where("messages.status", "=", filter.status);
  if (filter.channel) query = query.where("messages.channel", "=", filter.channel);
  if (filter.direction) query = query.where("messages.direction", "=", filter.direction);
  if (filter.contactId) query = query.where("subscribers.public_id", "=", filter.contactId);
  return query;
}

/** The account's messages, oldest first, by keyset on the internal id. */
export function pageMessages(
  ctx: Context,
  filter: MessageFilter,
  page: Page,
): Promise<MessageView[]> {
  let query = filtered(ctx, filter);
  if (page.afterId !== undefined) query = query.where("messages.id", ">", page.afterId);
  if (page.beforeId !== undefined) query = query.where("messages.id", "<", page.beforeId);
  return query
    .orderBy("messages.id", page.backward ? "desc" : "asc")
    .limit(page.limit)
    .execute();
}

export async function countMessages(ctx: Context, filter: MessageFilter): Promise<number> {
  const { count } = await filtered(ctx, filter)
    .clearSelect()
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(count);
}

/**
 * One page of messages for each of many conversations, in one statement: a lateral read of each
 * conversation's index range (account, conversation, id), so a page of 100 conversations with
 * their last 10 messages reads 1,000 index entries, whatever their history's length.
 */
export async function messagesOfConversations(
  ctx: Context,
  conversationIds: readonly string[],
  page: Page,
): Promise<Map<string, MessageView[]>> {
  const result = new Map<string, MessageView[]>(conversationIds.map((id) => [id, []]));
  if (conversationIds.length === 0) return result;
  const conditions: Expression<SqlBool>[] = [];
  if (page.afterId !== undefined) conditions.push(sql<SqlBool>`m.id > ${page.afterId}`);
  if (page.beforeId !== undefined) conditions.push(sql<SqlBool>`m.id < ${page.beforeId}`);
  const keyset = conditions.length > 0 ? sql`and ${sql.join(conditions, sql` and `)}` : sql``;
  const order = page.backward ? sql`desc` : sql`asc`;
  const { rows } = await sql<MessageView>`
    select m.*, s.public_id as contact_public_id, c.public_id as conversation_public_id,
      t.public_id as template_public_id, k.public_id as campaign_public_id
    from unnest(${[...conversationIds]}::bigint[]) as wanted(id)
    join conversations c on c.account_id = ${ctx.account.id} and c.id = wanted.id
    cross join lateral (
      select * from messages m
      where m.account_id = ${ctx.account.id} and m.conversation_id = wanted.id ${keyset}
      order by m.id ${order}
      limit ${page.limit}
    ) m
    join subscribers s on s.id = m.subscriber_id
    left join templates t on t.id = m.template_id
    left join campaigns k on k.id = m.campaign_id
    order by m.conversation_id, m.id ${order}
  `.execute(ctx.db);
  for (const row of rows) result.get(String(row.conversation_id))?.push(row);
  return result;
}

/** How many messages each conversation holds, in one statement. */
export async function countMessagesOfConversations(
  ctx: Context,
  conversationIds: readonly string[],
): Promise<Map<string, number>> {
  const counts = new Map<string, number>(conversationIds.map((id) => [id, 0]));
  if (conversationIds.length === 0) return counts;
  const rows = await ctx.db
    .selectFrom("messages")
    .select(["conversation_id", (eb) => eb.fn.countAll<string>().as("count")])
    .where("account_id", "=", ctx.account.id)
    .where("conversation_id", "in", conversationIds)
    .groupBy("conversation_id")
    .execute();
  for (const row of rows) counts.set(String(row.conversation_id), Number(row.count));
  return counts;
}
