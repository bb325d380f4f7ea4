import { sql } from "kysely";
import type { ConversationRow, ConversationStatus, MessageChannel } from "../../db/types.js";
import type { Context, Queryable } from "../context.js";
import { NotFound } from "../errors.js";
import { inRequestedOrder } from "../order.js";
import type { Page } from "../page.js";
import { isPublicId } from "../public-id.js";

// Conversations as every surface reads them: the row with its contact's and assignee's public
// ids, so that a page needs no look-up per conversation.

export type ConversationView = ConversationRow & {
  contact_public_id: string;
  assignee_public_id: string | null;
};

/** `assigneeId`: an agent's public id, or UNASSIGNED for conversations nobody has. */
export const UNASSIGNED = "unassigned";

export interface ConversationFilter {
  status?: ConversationStatus | null;
  assigneeId?: string | null;
  channel?: MessageChannel | null;
  /** A contact's public id: its conversations only. */
  contactId?: string | null;
}

function selectConversations(ctx: Pick<Context, "account">, db: Queryable) {
  return db
    .selectFrom("conversations")
    .innerJoin("subscribers", "subscribers.id", "conversations.subscriber_id")
    .leftJoin("agents", "agents.id", "conversations.assignee_id")
    .selectAll("conversations")
    .select([
      "subscribers.public_id as contact_public_id",
      "agents.public_id as assignee_public_id",
    ])
    .where("conversations.account_id", "=", ctx.account.id);
}

export async function getConversation(
  ctx: Pick<Context, "account" | "db">,
  publicId: string,
  db: Queryable = ctx.db,
): Promise<ConversationView> {
  const row = await selectConversations(ctx, db)
    .where("conversations.public_id", "=", publicId)
    .executeTakeFirst();
  if (!row) throw new NotFound("Conversation", publicId);
  return row;
}

/** Conversations by public id, in the order asked (null where none), for node loads. */
export async function getConversations(
  ctx: Context,
  publicIds: readonly string[],
): Promise<(ConversationView | null)[]> {
  if (publicIds.length === 0) return [];
  const rows = await selectConversations(ctx, ctx.db)
    .where("conversations.public_id", "in", publicIds)
    .execute();
  return inRequestedOrder(publicIds, rows, (row) => row.public_id);
}

/** Conversations by internal id (the messages of a page), in the order asked. */
export async function conversationsByInternalId(
  ctx: Context,
  ids: readonly string[],
): Promise<(ConversationView | null)[]> {
  if (ids.length === 0) return [];
  const rows = await selectConversations(ctx, ctx.db)
    .where("conversations.id", "in", ids)
    .execute();
  return inRequestedOrder(ids, rows, (row) => row.id);
}

/** Each subscriber's conversations (one per channel at most), for a page of subscribers. */
export async function conversationsOfSubscribers(
  ctx: Context,
  subscriberIds: readonly string[],
): Promise<ConversationView[][]> {
  if (subscriberIds.length === 0) return [];
  const rows = await selectConversations(ctx, ctx.db)
    .where("conversations.subscriber_id", "in", subscriberIds)
    .orderBy("conversations.id")
    .execute();
  return subscriberIds.map((id) => rows.filter((row) => row.subscriber_id === id));
}

function filtered(ctx: Context, filter: ConversationFilter) {
  let query = selectConversations(ctx, ctx.db);
  if (filter.status) query = query.where("conversations.status", "=", filter.status);
  if (filter.channel) query = query.where("conversations.channel", "=", filter.channel);
  // An id that cannot exist matches nothing (and text Postgres refuses never reaches it).
  for (const id of [filter.contactId, filter.assigneeId])
    if (id && id !== UNASSIGNED && !isPublicId(id)) return query.where(sql<boolean>`false`);
  if (filter.contactId) query = query.where("subscribers.public_id", "=", filter.contactId);
  if (filter.assigneeId === UNASSIGNED)
    query = query.where("conversations.assignee_id", "is", null);
  else if (filter.assigneeId) query = query.where("agents.public_id", "=", filter.assigneeId);
  return query;
}

/** The account's conversations, oldest first, by keyset on the internal id. */
export function pageConversations(
  ctx: Context,
  filter: ConversationFilter,
  page: Page,
): Promise<ConversationView[]> {
  let query = filtered(ctx, filter);
  if (page.afterId !== undefined) query = query.where("conversations.id", ">", page.afterId);
  if (page.beforeId !== undefined) query = query.where("conversations.id", "<", page.beforeId);
  return query
    .orderBy("conversations.id", page.backward ? "desc" : "asc")
    .limit(page.limit)
    .execute();
}

export async function countConversations(
  ctx: Context,
  filter: ConversationFilter,
): Promise<number> {
  const { count } = await filtered(ctx, filter)
    .clearSelect()
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(count);
}
