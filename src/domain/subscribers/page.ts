import { sql } from "kysely";
import type { SubscriberRow, SubscriberStatus, TagRow } from "../../db/types.js";
import type { Context } from "../context.js";
import { containing } from "../like.js";
import { applyPage, type Page } from "../page.js";

// Finding subscribers: the filters a frontend's subscriber table needs, paged by keyset.

export interface SubscriberFilter {
  /** Part of the email, first name, last name or full name, any case. */
  search?: string | null;
  status?: SubscriberStatus | null;
  /** Public id of a list the subscriber is on, whatever the subscription's status. */
  listId?: string | null;
  /** Public id of a tag the subscriber has. */
  tagId?: string | null;
  /** Created at or after this instant. */
  createdAfter?: Date | null;
  /** Created before this instant. */
  createdBefore?: Date | null;
}

function filtered(ctx: Context, filter: SubscriberFilter) {
  const accountId = ctx.account.id;
  let query = ctx.db.selectFrom("subscribers").where("subscribers.account_id", "=", accountId);
  const search = filter.search?.trim();
  if (search) {
    const pattern = containing(search);
    query = query.where((eb) =>
      eb.or([
        eb("subscribers.email", "ilike", pattern),
        eb(
          sql<string>`concat_ws(' ', subscribers.first_name, subscribers.last_name)`,
          "ilike",
          pattern,
        ),
      ]),
    );
  }
  if (filter.status) query = query.where("subscribers.status", "=", filter.status);
  // Each filter is a probe per subscriber (an EXISTS with an OFFSET stays a subplan rather than
  // a join) keyed by the subscriber's own account and id, not by the account's id as a constant:
  // right after an import, the statistics may not know the account or the list, and a join
  // whose sides both look like one row may become a nested loop that reads the account's whole
  // membership for each subscriber.
  if (filter.listId) {
    const listId = filter.listId;
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom("subscriptions")
          .innerJoin("lists", "lists.id", "subscriptions.list_id")
          .select(sql`1`.as("one"))
          .whereRef("subscriptions.account_id", "=", "subscribers.account_id")
          .whereRef("subscriptions.subscriber_id", "=", "subscribers.id")
          .whereRef("lists.account_id", "=", "subscribers.account_id")
          .where("lists.public_id", "=", listId)
          .offset(0),
      ),
    );
  }
  if (filter.tagId) {
    const tagId = filter.tagId;
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom("subscriber_tags")
          .innerJoin("tags", "tags.id", "subscriber_tags.tag_id")
          .select(sql`1`.as("one"))
          .whereRef("subscriber_tags.account_id", "=", "subscribers.account_id")
          .whereRef("subscriber_tags.subscriber_id", "=", "subscribers.id")
          .whereRef("tags.account_id", "=", "subscribers.account_id")
          .where("tags.public_id", "=", tagId)
          .offset(0),
      ),
    );
  }
  if (filter.createdAfter) query = query.where("subscribers.created_at", ">=", filter.createdAfter);
  if (filter.createdBefore)
    query = query.where("subscribers.created_at", "<", filter.createdBefore);
  return query;
}

export function pageSubscribers(
  ctx: Context,
  filter: SubscriberFilter,
  page: Page,
): Promise<SubscriberRow[]> {
  return applyPage(
    filtered(ctx, filter).selectAll("subscribers"),
    "subscribers.id",
    page,
  ).execute();
}

export async function countSubscribers(ctx: Context, filter: SubscriberFilter): Promise<number> {
  const { count } = await filtered(ctx, filter)
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(count);
}

/**
 * `pageSubscribers` reading only the given columns (`id` always): what a GraphQL plan that
 * knows its selection asks for, so that no unused column (timestamps, custom values) is parsed.
 */
export function pageSubscriberColumns<C extends keyof SubscriberRow>(
  ctx: Context,
  filter: SubscriberFilter,
  page: Page,
  columns: readonly C[],
): Promise<Pick<SubscriberRow, C | "id">[]> {
  const selected = [...new Set<keyof SubscriberRow>(["id", ...columns])].map(
    (column) => `subscribers.${column}` as const,
  );
  return applyPage(
    filtered(ctx, filter).select(selected),
    "subscribers.id",
    page,
  ).execute() as Promise<Pick<SubscriberRow, C | "id">[]>;
}

/**
 * A page of subscribers (only the given columns, `id` always) with each one's tags in the same
 * statement, as a JSON array of `tagColumns` values per tag, by name (tagsOfSubscribers' order):
 * one statement fewer for a page that shows tags, and each statement costs the process about
 * half a millisecond besides its rows. Timestamps in the arrays are ISO-8601 text, and no bigint
 * may be asked for (JSON would make it a number). The tags' subquery filters by the account too.
 */
export function pageSubscribersWithTags<C extends keyof SubscriberRow>(
  ctx: Context,
  filter: SubscriberFilter,
  page: Page,
  columns: readonly C[],
  tagColumns: readonly (keyof TagRow)[],
): Promise<(Pick<SubscriberRow, C | "id"> & { tag_values: unknown[][] })[]> {
  const selected = [...new Set<keyof SubscriberRow>(["id", ...columns])].map(
    (column) => `subscribers.${column}` as const,
  );
  const values = sql.join(tagColumns.map((name) => sql.ref(`t.${name}`)));
  const query = filtered(ctx, filter)
    .select(selected)
    .select(
      sql<
        unknown[][]
      >`(select coalesce(json_agg(json_build_array(${values}) order by t.name), '[]'::json)
        from subscriber_tags st join tags t on t.id = st.tag_id and t.account_id = st.account_id
        where st.account_id = ${ctx.account.id} and st.subscriber_id = subscribers.id)`.as(
        "tag_values",
      ),
    );
  return applyPage(query, "subscribers.id", page).execute() as unknown as Promise<
    (Pick<SubscriberRow, C | "id"> & { tag_values: unknown[][] })[]
  >;
}
