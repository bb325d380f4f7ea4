import { CompiledQuery } from "kysely";
import { prepared, preparedArrays } from "../../db/prepared.js";
import type { ListRow, TagRow } from "../../db/types.js";
import type { Context } from "../context.js";
import type { Membership } from "../lists/subscriptions.js";

// Set-based loaders for a page of subscribers that read only the columns a caller asks for
// (a GraphQL plan knows its selection): the same rows and order as tagsOfSubscribers and
// subscriptionsOfSubscribers, narrower. Unread columns are absent. Their statements are
// prepared ones, written once per selection (the ids go as one array parameter, so the text
// does not change with the page's size).

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The statement of each selection, by its columns. */
const texts = new Map<string, string>();
function textOf(key: string, write: () => string, register = prepared): string {
  let text = texts.get(key);
  if (text === undefined) {
    text = register(write());
    texts.set(key, text);
  }
  return text;
}

/** The tags of each subscriber (internal ids), by name, with these tag columns. */
export async function tagColumnsOfSubscribers<C extends keyof TagRow>(
  ctx: Context,
  subscriberIds: readonly string[],
  columns: readonly C[],
): Promise<Pick<TagRow, C>[][]> {
  if (subscriberIds.length === 0) return [];
  const text = textOf(
    `tags:${columns.join(",")}`,
    () =>
      `select ${columns.map((column) => `"tags".${quoted(column)}`).join(", ")}, "subscriber_tags"."subscriber_id" as "of_subscriber" from "subscriber_tags" inner join "tags" on "tags"."id" = "subscriber_tags"."tag_id" and "tags"."account_id" = "subscriber_tags"."account_id" where "subscriber_tags"."account_id" = $1 and "subscriber_tags"."subscriber_id" = any($2::bigint[]) order by "tags"."name"`,
  );
  const { rows } = await ctx.db.executeQuery<{ of_subscriber: string } & Pick<TagRow, C>>(
    CompiledQuery.raw(text, [ctx.account.id, [...subscriberIds]]),
  );
  const bySubscriber = new Map<string, Pick<TagRow, C>[]>();
  for (const { of_subscriber, ...tag } of rows) {
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
  // Rows as arrays (the subscriber, the columns, the list's columns): each becomes a membership
  // and its list, so pg's own object per row would be garbage at once.
  const text = textOf(
    `subscriptions:${columns.join(",")}:${listColumns.join(",")}`,
    () => {
      const selected = [
        `"s"."subscriber_id"`,
        ...columns.map((column) => `"s".${quoted(column)}`),
        ...listColumns.map((column) => `"l".${quoted(column)}`),
      ];
      return `select ${selected.join(", ")} from "subscriptions" as "s" inner join "lists" as "l" on "l"."id" = "s"."list_id" and "l"."account_id" = "s"."account_id" where "s"."account_id" = $1 and "s"."subscriber_id" = any($2::bigint[]) order by "s"."id"`;
    },
    preparedArrays,
  );
  const { rows } = await ctx.db.executeQuery<unknown[]>(
    CompiledQuery.raw(text, [ctx.account.id, [...new Set(subscriberIds)]]),
  );
  const listStart = 1 + columns.length;
  const bySubscriber = new Map<string, Partial<Membership>[]>();
  for (const row of rows) {
    const membership: Record<string, unknown> = {};
    for (let index = 0; index < columns.length; index++)
      membership[columns[index]] = row[1 + index];
    const list: Record<string, unknown> = {};
    for (let index = 0; index < listColumns.length; index++)
      list[listColumns[index]] = row[listStart + index];
    membership.list = list;
    const subscriberId = row[0] as string;
    const group = bySubscriber.get(subscriberId);
    if (group) group.push(membership as Partial<Membership>);
    else bySubscriber.set(subscriberId, [membership as Partial<Membership>]);
  }
  return subscriberIds.map((id) => bySubscriber.get(id) ?? []);
}
