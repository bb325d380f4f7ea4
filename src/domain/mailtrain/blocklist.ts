import { sql } from "kysely";
import { MAX_EMAIL, tooLong } from "../bounds.js";
import type { Context, Queryable } from "../context.js";
import { Validation } from "../errors.js";

// Mailtrain's blacklist: any text is accepted as an address (the original checked nothing) up
// to an address's longest length; adding twice and removing what is not there are both fine.

export interface BlocklistSlice {
  total: number;
  emails: string[];
}

function filtered(ctx: Context, search: string) {
  let query = ctx.db.selectFrom("blocklist").where("account_id", "=", ctx.account.id);
  // strpos: a "%" or "_" in the search is a character, not a wildcard.
  if (search)
    query = query.where(sql<number>`strpos(lower(email), ${search.toLowerCase()})`, ">", 0);
  return query;
}

/** Addresses ascending (any case), from `start`, at most `limit` (null: all). */
export async function sliceBlocklist(
  ctx: Context,
  options: { search: string; start: number; limit: number | null },
): Promise<BlocklistSlice> {
  const { count } = await filtered(ctx, options.search)
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .executeTakeFirstOrThrow();
  let query = filtered(ctx, options.search)
    .select("email")
    .orderBy(sql`lower(email)`)
    .orderBy("id")
    .offset(options.start);
  if (options.limit !== null) query = query.limit(options.limit);
  const rows = await query.execute();
  return { total: Number(count), emails: rows.map((row) => row.email) };
}

export async function blockAddress(ctx: Context, email: string): Promise<void> {
  if (email.trim().length > MAX_EMAIL)
    throw Validation.of(["EMAIL"], `EMAIL ${tooLong(MAX_EMAIL)}`);
  await ctx.db
    .insertInto("blocklist")
    .values({ account_id: ctx.account.id, email: email.trim() })
    .onConflict((oc) => oc.expression(sql`account_id, lower(email)`).doNothing())
    .execute();
}

export async function unblockAddress(ctx: Context, email: string): Promise<void> {
  await ctx.db
    .deleteFrom("blocklist")
    .where("account_id", "=", ctx.account.id)
    .where(sql<string>`lower(email)`, "=", email.trim().toLowerCase())
    .execute();
}

export async function isBlocked(ctx: Context, db: Queryable, email: string): Promise<boolean> {
  const row = await db
    .selectFrom("blocklist")
    .select("id")
    .where("account_id", "=", ctx.account.id)
    .where(sql<string>`lower(email)`, "=", email.trim().toLowerCase())
    .executeTakeFirst();
  return row !== undefined;
}
