import type { ListRow, TagRow } from "../../db/types.js";
import type { Context } from "../context.js";
import type { Membership } from "../lists/subscriptions.js";

// Set-based loaders for a page of subscribers that read only the columns a caller asks for
// (a GraphQL plan knows its selection): the same statements, rows and order as
// tagsOfSubscribers and subscriptionsOfSubscribers, narrower. Unread columns are absent.

/** The tags of each subscriber (internal ids), by name, with these tag columns. */
export async function tagColumnsOfSubscribers<C extends keyof TagRow>(
  ctx: Context,
  subscriberIds: readonly string[],
  columns: readonly C[],
): Promise<Pick<TagRow, C>[][]> {
  if (subscriberIds.length === 0) return [];
  const rows = await ctx.db
    .selectFrom("subscriber_tags")
    .innerJoin("tags", (join) =>
      join
        .onRef("tags.id", "=", "subscriber_tags.tag_id")
        .onRef("tags.account_id", "=", "subscriber_tags.account_id"),
    )
    .select(columns.map((column) => `tags.${column}` as const))
    .select("subscriber_tags.subscriber_id as of_subscriber")
    .where("subscriber_tags.account_id", "=", ctx.account.id)
    .where("subscriber_tags.subscriber_id", "in", subscriberIds)
    .orderBy("tags.name")
    .execute();
  const bySubscriber = new Map<string, Pick<TagRow, C>[]>();
  for (const { of_subscriber, ...tag } of rows as ({ of_subscriber: string } & Pick<TagRow, C>)[]) {
    const list = bySubscriber.get(of_subscriber);
    if (list) list.push(tag as Pick<TagRow, C>);
    else bySubscriber.set(of_subscriber, [tag as Pick<TagRow, C>]);
  }
  return subscriberIds.map((id) => bySubscriber.get(id) ?? []);
}

type SubscriptionColumn = Exclude<keyof Membership, "list" | "subscriber_id">;

/** Every subscription of each subscriber, oldest first, with these columns and list columns. */
export async function subscriptionColumnsOfSubscribers(
  ctx: Context,
  subscriberIds: readonly string[],
  columns: readonly SubscriptionColumn[],
  listColumns: readonly (keyof ListRow)[],
): Promise<Partial<Membership>[][]> {
  if (subscriberIds.length === 0) return [];
  const rows = await ctx.db
    .selectFrom("subscriptions as s")
    .innerJoin("lists as l", (join) =>
      join.onRef("l.id", "=", "s.list_id").onRef("l.account_id", "=", "s.account_id"),
    )
    .select(["s.subscriber_id", ...columns.map((column) => `s.${column}` as const)])
    .select(listColumns.map((column) => `l.${column} as list_${column}` as const))
    .where("s.account_id", "=", ctx.account.id)
    .where("s.subscriber_id", "in", [...new Set(subscriberIds)])
    .orderBy("s.id")
    .execute();
  const bySubscriber = new Map<string, Partial<Membership>[]>();
  for (const row of rows as Record<string, unknown>[]) {
    const membership: Record<string, unknown> = {};
    for (const column of columns) membership[column] = row[column];
    const list: Record<string, unknown> = {};
    for (const column of listColumns) list[column] = row[`list_${column}`];
    membership.list = list;
    const subscriberId = row.subscriber_id as string;
    const group = bySubscriber.get(subscriberId);
    if (group) group.push(membership as Partial<Membership>);
    else bySubscriber.set(subscriberId, [membership as Partial<Membership>]);
  }
  return subscriberIds.map((id) => bySubscriber.get(id) ?? []);
}
