import { type ExpressionBuilder, sql } from "kysely";
import type { Database, ListRow, SubscriberRow, SubscriptionStatus } from "../../db/types.js";
import type { Context } from "../context.js";
import { NotFound } from "../errors.js";
import { applyPage, type Page } from "../page.js";
import { getList } from "./lists.js";

// Who is on which list. A subscription is one (list, subscriber) pair with its own status: it is
// kept when someone unsubscribes, so the history of consent stays with it.

/** A subscription with the list it belongs to. */
export interface Membership {
  id: string;
  public_id: string;
  subscriber_id: string;
  status: SubscriptionStatus;
  status_changed_at: Date;
  source: string;
  created_at: Date;
  list: ListRow;
}

/** A subscriber on a list, with its subscription to that list. */
export type Member = SubscriberRow & { membership: Membership };

export interface MembershipChange {
  subscription: Membership;
  subscriber: SubscriberRow;
}

async function getSubscriber(ctx: Context, publicId: string): Promise<SubscriberRow> {
  const subscriber = await ctx.db
    .selectFrom("subscribers")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "=", publicId)
    .executeTakeFirst();
  if (!subscriber) throw new NotFound("Subscriber", publicId);
  return subscriber;
}

async function getPair(
  ctx: Context,
  subscriberPublicId: string,
  listPublicId: string,
): Promise<{ subscriber: SubscriberRow; list: ListRow }> {
  const subscriber = await getSubscriber(ctx, subscriberPublicId);
  const list = await getList(ctx, listPublicId);
  return { subscriber, list };
}

/**
 * Puts the subscriber on the list. A new subscription starts `subscribed`; one in any other
 * status becomes `subscribed` again with a new status time and the new source; one already
 * subscribed is left exactly as it was, so repeating the call changes nothing.
 */
export async function subscribe(
  ctx: Context,
  input: { subscriberId: string; listId: string; source?: string },
): Promise<MembershipChange> {
  const { subscriber, list } = await getPair(ctx, input.subscriberId, input.listId);
  const row = await ctx.db
    .insertInto("subscriptions")
    .values({
      account_id: ctx.account.id,
      list_id: list.id,
      subscriber_id: subscriber.id,
      status: "subscribed",
      source: input.source ?? "api",
    })
    .onConflict((conflict) =>
      conflict.columns(["account_id", "list_id", "subscriber_id"]).doUpdateSet({
        status: "subscribed",
        // On the right-hand side `subscriptions.*` is the row before this statement.
        status_changed_at: sql`case when subscriptions.status = 'subscribed'
          then subscriptions.status_changed_at else now() end`,
        source: sql`case when subscriptions.status = 'subscribed'
          then subscriptions.source else excluded.source end`,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return { subscription: { ...row, list }, subscriber };
}

/**
 * Takes the subscriber off the list: the subscription stays, `unsubscribed`, with a new status
 * time (unchanged when it was already unsubscribed). No subscription at all is NotFound.
 */
export async function unsubscribe(
  ctx: Context,
  input: { subscriberId: string; listId: string },
): Promise<MembershipChange> {
  const { subscriber, list } = await getPair(ctx, input.subscriberId, input.listId);
  const row = await ctx.db
    .updateTable("subscriptions")
    .set({
      status: "unsubscribed",
      status_changed_at: sql`case when status = 'unsubscribed' then status_changed_at else now() end`,
    })
    .where("account_id", "=", ctx.account.id)
    .where("list_id", "=", list.id)
    .where("subscriber_id", "=", subscriber.id)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new NotFound("Subscription", `${input.subscriberId}/${input.listId}`);
  return { subscription: { ...row, list }, subscriber };
}

/**
 * The subscriptions of many subscribers, each with its list, in one statement: one array per
 * subscriber id asked, in that order, oldest subscription first.
 */
export async function subscriptionsOfSubscribers(
  ctx: Context,
  subscriberIds: readonly string[],
): Promise<Membership[][]> {
  if (subscriberIds.length === 0) return [];
  const rows = await ctx.db
    .selectFrom("subscriptions as s")
    .innerJoin("lists as l", (join) =>
      join.onRef("l.id", "=", "s.list_id").onRef("l.account_id", "=", "s.account_id"),
    )
    .select([
      "s.id",
      "s.public_id",
      "s.subscriber_id",
      "s.status",
      "s.status_changed_at",
      "s.source",
      "s.created_at",
      "l.id as list_id",
      "l.account_id as list_account_id",
      "l.public_id as list_public_id",
      "l.name as list_name",
      "l.description as list_description",
      "l.default_form as list_default_form",
      "l.public_subscribe as list_public_subscribe",
      "l.unsubscription_mode as list_unsubscription_mode",
      "l.listunsubscribe_disabled as list_listunsubscribe_disabled",
      "l.created_at as list_created_at",
      "l.updated_at as list_updated_at",
    ])
    .where("s.account_id", "=", ctx.account.id)
    .where("s.subscriber_id", "in", [...new Set(subscriberIds)])
    .orderBy("s.id")
    .execute();
  const bySubscriber = new Map<string, Membership[]>();
  for (const row of rows) {
    const membership: Membership = {
      id: row.id,
      public_id: row.public_id,
      subscriber_id: row.subscriber_id,
      status: row.status,
      status_changed_at: row.status_changed_at,
      source: row.source,
      created_at: row.created_at,
      list: {
        id: row.list_id,
        account_id: row.list_account_id,
        public_id: row.list_public_id,
        name: row.list_name,
        description: row.list_description,
        default_form: row.list_default_form,
        public_subscribe: row.list_public_subscribe,
        unsubscription_mode: row.list_unsubscription_mode,
        listunsubscribe_disabled: row.list_listunsubscribe_disabled,
        created_at: row.list_created_at,
        updated_at: row.list_updated_at,
      },
    };
    const group = bySubscriber.get(row.subscriber_id);
    if (group) group.push(membership);
    else bySubscriber.set(row.subscriber_id, [membership]);
  }
  return subscriberIds.map((id) => bySubscriber.get(id) ?? []);
}

/** How many subscribers each list has in status `subscribed`: one `group by` for all lists. */
export async function subscriberCounts(
  ctx: Context,
  listIds: readonly string[],
): Promise<number[]> {
  if (listIds.length === 0) return [];
  const rows = await ctx.db
    .selectFrom("subscriptions")
    .select((eb) => ["list_id", eb.fn.countAll<string>().as("count")])
    .where("account_id", "=", ctx.account.id)
    .where("list_id", "in", [...new Set(listIds)])
    .where("status", "=", "subscribed")
    .groupBy("list_id")
    .execute();
  const byList = new Map(rows.map((row) => [row.list_id, Number(row.count)]));
  return listIds.map((id) => byList.get(id) ?? 0);
}

export interface MemberFilter {
  /** Only subscriptions in this status; absent: every status. */
  status?: SubscriptionStatus | null;
}

/**
 * The subscriber of each subscription, found through its primary key whatever the statistics
 * say. Right after an import the statistics know neither the list nor (often) the account's new
 * subscribers: both sides of a plain join look like one row, and the planner may pick a nested
 * loop that reads every subscriber of the account for each subscription (87 s for a list of
 * 50,000). A lateral subquery with an OFFSET is planned on its own, once per subscription, with
 * only `id = $1` to go on: a primary-key probe. The account is compared outside it, so that no
 * estimate of the account's size can steer that probe to another index.
 */
export function subscriberOfEach(eb: ExpressionBuilder<Database, "subscriptions">) {
  return eb
    .selectFrom("subscribers")
    .selectAll("subscribers")
    .whereRef("subscribers.id", "=", "subscriptions.subscriber_id")
    .offset(0);
}

/**
 * The account's subscriptions of the subscriber with this address (any case), joined with that
 * subscriber: the one home of the subscriptions⋈subscribers join for a lookup by address, which
 * the email index leads (a list's members are read through `subscriberOfEach` instead).
 */
export function subscriptionsOfEmail(ctx: Context, email: string) {
  return ctx.db
    .selectFrom("subscriptions")
    .innerJoin("subscribers", (join) =>
      join
        .onRef("subscribers.id", "=", "subscriptions.subscriber_id")
        .onRef("subscribers.account_id", "=", "subscriptions.account_id"),
    )
    .where("subscriptions.account_id", "=", ctx.account.id)
    .where(sql<string>`lower(subscribers.email)`, "=", email.trim().toLowerCase());
}

function members(ctx: Context, listId: string, filter: MemberFilter) {
  let query = ctx.db
    .selectFrom("subscriptions")
    .innerJoinLateral(
      (eb) => subscriberOfEach(eb).as("subscribers"),
      (join) => join.onRef("subscribers.account_id", "=", "subscriptions.account_id"),
    )
    .where("subscriptions.account_id", "=", ctx.account.id)
    .where("subscriptions.list_id", "=", listId);
  if (filter.status) query = query.where("subscriptions.status", "=", filter.status);
  return query;
}

/**
 * A keyset page of a list's subscribers, in subscriber order (the subscriptions_member index
 * serves it), each with its subscription to the list.
 */
export async function pageMembers(
  ctx: Context,
  list: ListRow,
  filter: MemberFilter,
  page: Page,
): Promise<Member[]> {
  const rows = await applyPage(
    members(ctx, list.id, filter)
      .selectAll("subscribers")
      .select([
        "subscriptions.id as subscription_id",
        "subscriptions.public_id as subscription_public_id",
        "subscriptions.status as subscription_status",
        "subscriptions.status_changed_at as subscription_status_changed_at",
        "subscriptions.source as subscription_source",
        "subscriptions.created_at as subscription_created_at",
      ]),
    "subscriptions.subscriber_id",
    page,
  ).execute();
  return rows.map(
    ({
      subscription_id,
      subscription_public_id,
      subscription_status,
      subscription_status_changed_at,
      subscription_source,
      subscription_created_at,
      ...subscriber
    }) => ({
      ...subscriber,
      membership: {
        id: subscription_id,
        public_id: subscription_public_id,
        subscriber_id: subscriber.id,
        status: subscription_status,
        status_changed_at: subscription_status_changed_at,
        source: subscription_source,
        created_at: subscription_created_at,
        list,
      },
    }),
  );
}

export async function countMembers(
  ctx: Context,
  listId: string,
  filter: MemberFilter,
): Promise<number> {
  const { count } = await members(ctx, listId, filter)
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(count);
}
