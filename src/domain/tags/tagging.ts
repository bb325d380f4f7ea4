import type { SubscriberRow, TagRow } from "../../db/types.js";
import type { Context, Queryable } from "../context.js";
import { NotFound, Validation } from "../errors.js";

// Putting tags on subscribers and taking them off. Both are idempotent: tagging twice leaves one
// tag, untagging a tag the subscriber does not have is not an error.

const MAX_TAGS_PER_CALL = 100;

async function resolve(
  ctx: Context,
  db: Queryable,
  subscriberId: string,
  tagIds: readonly string[],
): Promise<{ subscriber: SubscriberRow; tags: TagRow[] }> {
  const unique = [...new Set(tagIds)];
  if (unique.length === 0) throw Validation.of(["tagIds"], "needs at least one tag id");
  if (unique.length > MAX_TAGS_PER_CALL)
    throw Validation.of(["tagIds"], `may hold at most ${MAX_TAGS_PER_CALL} tag ids`);
  const subscriber = await db
    .selectFrom("subscribers")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "=", subscriberId)
    .executeTakeFirst();
  if (!subscriber) throw new NotFound("Subscriber", subscriberId);
  const tags = await db
    .selectFrom("tags")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "in", unique)
    .execute();
  const missing = unique.find((id) => !tags.some((tag) => tag.public_id === id));
  if (missing !== undefined) throw new NotFound("Tag", missing);
  return { subscriber, tags };
}

/** Puts the tags on one subscriber; a tag it already has stays as it is. */
export async function attachTags(
  db: Queryable,
  accountId: string,
  subscriberId: string,
  tags: readonly Pick<TagRow, "id">[],
): Promise<void> {
  if (tags.length === 0) return;
  await db
    .insertInto("subscriber_tags")
    .values(
      tags.map((tag) => ({ account_id: accountId, subscriber_id: subscriberId, tag_id: tag.id })),
    )
    .onConflict((conflict) => conflict.doNothing())
    .execute();
}

export async function tagSubscriber(
  ctx: Context,
  subscriberId: string,
  tagIds: readonly string[],
): Promise<SubscriberRow> {
  return ctx.db.transaction().execute(async (trx) => {
    const { subscriber, tags } = await resolve(ctx, trx, subscriberId, tagIds);
    await attachTags(trx, ctx.account.id, subscriber.id, tags);
    return subscriber;
  });
}

export async function untagSubscriber(
  ctx: Context,
  subscriberId: string,
  tagIds: readonly string[],
): Promise<SubscriberRow> {
  const { subscriber, tags } = await resolve(ctx, ctx.db, subscriberId, tagIds);
  await ctx.db
    .deleteFrom("subscriber_tags")
    .where("account_id", "=", ctx.account.id)
    .where("subscriber_id", "=", subscriber.id)
    .where(
      "tag_id",
      "in",
      tags.map((tag) => tag.id),
    )
    .execute();
  return subscriber;
}

/** The tags of each subscriber (internal ids), by name: one query for a whole page. */
export async function tagsOfSubscribers(
  ctx: Context,
  subscriberIds: readonly string[],
): Promise<TagRow[][]> {
  if (subscriberIds.length === 0) return [];
  const rows = await ctx.db
    .selectFrom("subscriber_tags")
    .innerJoin("tags", (join) =>
      join
        .onRef("tags.id", "=", "subscriber_tags.tag_id")
        .onRef("tags.account_id", "=", "subscriber_tags.account_id"),
    )
    .selectAll("tags")
    .select("subscriber_tags.subscriber_id")
    .where("subscriber_tags.account_id", "=", ctx.account.id)
    .where("subscriber_tags.subscriber_id", "in", subscriberIds)
    .orderBy("tags.name")
    .execute();
  const bySubscriber = new Map<string, TagRow[]>();
  for (const { subscriber_id, ...tag } of rows) {
    const list = bySubscriber.get(subscriber_id) ?? [];
    list.push(tag);
    bySubscriber.set(subscriber_id, list);
  }
  return subscriberIds.map((id) => bySubscriber.get(id) ?? []);
}
