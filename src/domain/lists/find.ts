import { sql } from "kysely";
import type { ListRow } from "../../db/types.js";
import type { Context } from "../context.js";
import { listOfPublicId } from "./lookup.js";
import { subscriberCounts } from "./subscriptions.js";

// Lists found the ways a client may name them: by public id in any case, or by internal id
// (numeric), always within the account; all of them by name, with their counts.

const PUBLIC_ID = /^[0-9a-f]{32}$/;
/** bigint's range: a longer number is no list's id. */
const INTERNAL_ID = /^\d{1,18}$/;

/** The list with this public id in any case (or padded); null when none or malformed. */
export async function findList(ctx: Context, publicId: string): Promise<ListRow | null> {
  const id = publicId.trim().toLowerCase();
  if (!PUBLIC_ID.test(id)) return null;
  return listOfPublicId(ctx.db, ctx.account.id, id);
}

export async function findListByInternalId(ctx: Context, id: string): Promise<ListRow | null> {
  if (!INTERNAL_ID.test(id)) return null;
  const list = await ctx.db
    .selectFrom("lists")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("id", "=", id)
    .executeTakeFirst();
  return list ?? null;
}

export type CountedList = ListRow & { subscribers: number };

/** How many subscribed members a list has. */
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
    // Case-insensitive, as a MySQL collation sorts (what older clients saw).
    .orderBy(sql`lower(name)`)
    .orderBy("id")
    .execute();
  const counts = await subscriberCounts(
    ctx,
    lists.map((list) => list.id),
  );
  return lists.map((list, index) => ({ ...list, subscribers: counts[index] ?? 0 }));
}
