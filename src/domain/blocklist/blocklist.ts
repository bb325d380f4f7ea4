import { sql } from "kysely";
import type { BlocklistRow } from "../../db/types.js";
import { MAX_DESCRIPTION, MAX_EMAIL, shown, tooLong } from "../bounds.js";
import type { Context, Queryable } from "../context.js";
import { isEmail, normalizeEmail } from "../email.js";
import { Conflict, type Issue, NotFound, Validation } from "../errors.js";
import { applyPage, type Page } from "../page.js";

// Addresses an account never mails. One entry per address, compared case-insensitively.

export interface BlocklistFilter {
  /** Case-insensitive substring of the address. */
  search?: string | null;
}

export interface NewBlocklistEntry {
  email: string;
  reason?: string | null;
}

export interface AddOptions {
  /**
   * Lists any text as an address (up to an address's length), unchecked: for clients whose
   * blocklist never checked its entries, so that what they list stays listed.
   */
  anyText?: boolean;
}

/**
 * Lists an address. Listing it again is not an error: the entry already there is returned as it
 * is (its first reason and date stay), so clients can retry or sync without checking first.
 */
export async function addToBlocklist(
  ctx: Context,
  input: NewBlocklistEntry,
  options: AddOptions = {},
): Promise<BlocklistRow> {
  const email = normalizeEmail(input.email);
  const reason = input.reason?.trim() || null;
  const issues: Issue[] = [];
  if (email.length > MAX_EMAIL) issues.push({ path: ["email"], message: tooLong(MAX_EMAIL) });
  else if (!options.anyText && !isEmail(email))
    issues.push({ path: ["email"], message: `${shown(email)} is not an email address` });
  if (reason !== null && reason.length > MAX_DESCRIPTION)
    issues.push({ path: ["reason"], message: tooLong(MAX_DESCRIPTION) });
  if (issues.length > 0) throw new Validation(issues);
  // Two tries: the entry a conflict points at may be removed before we read it.
  for (let attempt = 0; attempt < 2; attempt++) {
    const inserted = await ctx.db
      .insertInto("blocklist")
      .values({ account_id: ctx.account.id, email, reason })
      .onConflict((oc) => oc.expression(sql`account_id, lower(email)`).doNothing())
      .returningAll()
      .executeTakeFirst();
    const entry = inserted ?? (await findByEmail(ctx, email));
    if (entry) return entry;
  }
  throw new Conflict(`${email} was removed from the blocklist while being added; try again`);
}

export type BlocklistTarget = { id: string; email?: never } | { email: string; id?: never };

/** Removes an entry by its public id or by its address; returns what was removed. */
export async function removeFromBlocklist(
  ctx: Context,
  target: BlocklistTarget,
): Promise<BlocklistRow> {
  let query = ctx.db.deleteFrom("blocklist").where("account_id", "=", ctx.account.id);
  query =
    target.id !== undefined
      ? query.where("public_id", "=", target.id)
      : query.where(sql`lower(email)`, "=", normalizeEmail(target.email).toLowerCase());
  const removed = await query.returningAll().executeTakeFirst();
  if (!removed) throw new NotFound("BlocklistEntry", target.id ?? target.email);
  return removed;
}

export function findByEmail(ctx: Context, email: string): Promise<BlocklistRow | undefined> {
  return ctx.db
    .selectFrom("blocklist")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where(sql`lower(email)`, "=", normalizeEmail(email).toLowerCase())
    .executeTakeFirst();
}

/** Whether the address (any case) is listed; `db` may be the caller's transaction. */
export async function isBlocked(ctx: Context, db: Queryable, email: string): Promise<boolean> {
  const row = await db
    .selectFrom("blocklist")
    .select("id")
    .where("account_id", "=", ctx.account.id)
    .where(sql`lower(email)`, "=", normalizeEmail(email).toLowerCase())
    .executeTakeFirst();
  return row !== undefined;
}

/** Entries by public id, in no particular order (callers map them back). */
export function blocklistEntriesByPublicId(
  ctx: Context,
  publicIds: readonly string[],
): Promise<BlocklistRow[]> {
  if (publicIds.length === 0) return Promise.resolve([]);
  return ctx.db
    .selectFrom("blocklist")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "in", publicIds)
    .execute();
}

function filtered(ctx: Context, filter: BlocklistFilter) {
  let query = ctx.db.selectFrom("blocklist").where("blocklist.account_id", "=", ctx.account.id);
  const search = filter.search?.trim();
  // strpos rather than LIKE: a "%" or "_" in the search is a character, not a wildcard.
  if (search)
    query = query.where(sql<number>`strpos(lower(email), ${search.toLowerCase()})`, ">", 0);
  return query;
}

export function pageBlocklist(
  ctx: Context,
  filter: BlocklistFilter,
  page: Page,
): Promise<BlocklistRow[]> {
  return applyPage(filtered(ctx, filter).selectAll(), "blocklist.id", page).execute();
}

export async function countBlocklist(ctx: Context, filter: BlocklistFilter): Promise<number> {
  const row = await filtered(ctx, filter)
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Offset paging for clients that page by `start` and `limit` (null: all): the addresses in
 * alphabetical order (any case), and how many match.
 */
export async function sliceBlocklist(
  ctx: Context,
  filter: BlocklistFilter,
  window: { start: number; limit: number | null },
): Promise<{ total: number; emails: string[] }> {
  const total = await countBlocklist(ctx, filter);
  let query = filtered(ctx, filter)
    .select("email")
    .orderBy(sql`lower(email)`)
    .orderBy("id")
    .offset(window.start);
  if (window.limit !== null) query = query.limit(window.limit);
  const rows = await query.execute();
  return { total, emails: rows.map((row) => row.email) };
}
