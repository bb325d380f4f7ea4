import { sql } from "kysely";
import type { ListRow } from "../../db/types.js";
import type { Context } from "../context.js";
import { subscriberCounts } from "../lists/subscriptions.js";

// Lists as Mailtrain finds them: by cid (the list's public id, any case) or by numeric id (the
// internal one), always within the account.

const PUBLIC_ID = /^[0-9a-f]{32}$/;
/** bigint's range: a longer number is no list's id. */
const NUMERIC_ID = /^\d{1,18}$/;

export async function findListByCid(ctx: Context, cid: string): Promise<ListRow | null> {
  const publicId = cid.trim().toLowerCase();
  if (!PUBLIC_ID.test(publicId)) return null;
  const list = await ctx.db
    .selectFrom("lists")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "=", publicId)
    .executeTakeFirst();
  return list ?? null;
}

export async function findListById(ctx: Context, id: string): Promise<ListRow | null> {
  if (!NUMERIC_ID.test(id)) return null;
  const list = await ctx.db
    .selectFrom("lists")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("id", "=", id)
    .executeTakeFirst();
  return list ?? null;
}

export type CountedList = ListRow & { subscribers: number };

/** How many subscribed members a list has (Mailtrain's `subscribers` counter). */
export async function countSubscribed(ctx: Context, listId: string): Promise<number> {
  const [count] = await subscriberCounts(ctx, [listId]);
  return count ?? 0;
}

/** Every list of the account by name (any case), each with its number of subscribed members. */
export async function listsByName(ctx: Context): Promise<CountedList[]> {
  const lists = await ctx.db
    .selectFrom("lists")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    // Case-insensitive, as Mailtrain's MySQL collation sorted.
    .orderBy(sql`lower(name)`)
    .orderBy("id")
    .execute();
  const counts = await subscriberCounts(
    ctx,
    lists.map((list) => list.id),
  );
  return lists.map((list, index) => ({ ...list, subscribers: counts[index] ?? 0 }));
}

/** The lists an address is on, in any status but pending, oldest list first. */
export function listsOfEmail(ctx: Context, email: string): Promise<ListRow[]> {
  return ctx.db
    .selectFrom("lists")
    .selectAll("lists")
    .where("lists.account_id", "=", ctx.account.id)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom("subscriptions")
          .innerJoin("subscribers", (join) =>
            join
              .onRef("subscribers.id", "=", "subscriptions.subscriber_id")
              .onRef("subscribers.account_id", "=", "subscriptions.account_id"),
          )
          .select(sql`1`.as("one"))
          .where("subscriptions.account_id", "=", ctx.account.id)
          .whereRef("subscriptions.list_id", "=", "lists.id")
          .where("subscriptions.status", "<>", "pending")
          .where(sql<string>`lower(subscribers.email)`, "=", email.trim().toLowerCase()),
      ),
    )
    .orderBy("lists.id")
    .execute();
}
