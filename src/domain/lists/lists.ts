import type { ListRow } from "../../db/types.js";
import type { Context } from "../context.js";
import { type Issue, NotFound, Validation } from "../errors.js";
import { containing } from "../like.js";
import { inRequestedOrder } from "../order.js";
import { applyPage, type Counted, type OffsetPage, offsetPage, type Page } from "../page.js";

// Lists of an account: create, rename, describe, delete, find and page through them.

const MAX_NAME = 255;
const MAX_DESCRIPTION = 2_000;

export interface ListInput {
  name?: string | null;
  /** null clears the description; undefined leaves it as it is. */
  description?: string | null;
}

export interface ListFilter {
  /** Part of the name, any case. */
  search?: string | null;
}

function cleanName(raw: string | null | undefined, issues: Issue[]): string {
  const name = raw?.trim() ?? "";
  if (!name) issues.push({ path: ["name"], message: "name is required" });
  else if (name.length > MAX_NAME)
    issues.push({ path: ["name"], message: `name may be at most ${MAX_NAME} characters` });
  return name;
}

function cleanDescription(raw: string | null, issues: Issue[]): string | null {
  const description = raw?.trim() || null;
  if (description !== null && description.length > MAX_DESCRIPTION) {
    issues.push({
      path: ["description"],
      message: `description may be at most ${MAX_DESCRIPTION} characters`,
    });
  }
  return description;
}

export async function createList(ctx: Context, input: ListInput): Promise<ListRow> {
  const issues: Issue[] = [];
  const name = cleanName(input.name, issues);
  const description = cleanDescription(input.description ?? null, issues);
  if (issues.length > 0) throw new Validation(issues);
  return ctx.db
    .insertInto("lists")
    .values({ account_id: ctx.account.id, name, description })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateList(
  ctx: Context,
  publicId: string,
  input: ListInput,
): Promise<ListRow> {
  // Only the fields sent change; a name sent as null is as empty as "".
  const issues: Issue[] = [];
  const changes: { name?: string; description?: string | null } = {};
  if (input.name !== undefined) changes.name = cleanName(input.name, issues);
  if (input.description !== undefined)
    changes.description = cleanDescription(input.description, issues);
  if (issues.length > 0) throw new Validation(issues);
  const list = await ctx.db
    .updateTable("lists")
    .set({ ...changes, updated_at: new Date() })
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "=", publicId)
    .returningAll()
    .executeTakeFirst();
  if (!list) throw new NotFound("List", publicId);
  return list;
}

/** Deletes the list and, by cascade, every subscription to it; answers the deleted public id. */
export async function deleteList(ctx: Context, publicId: string): Promise<string> {
  const deleted = await ctx.db
    .deleteFrom("lists")
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "=", publicId)
    .returning("public_id")
    .executeTakeFirst();
  if (!deleted) throw new NotFound("List", publicId);
  return deleted.public_id;
}

/** The lists with these public ids, in the order asked; null where the account has none. */
export async function getListsByPublicIds(
  ctx: Context,
  publicIds: readonly string[],
): Promise<(ListRow | null)[]> {
  if (publicIds.length === 0) return [];
  const rows = await ctx.db
    .selectFrom("lists")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "in", [...new Set(publicIds)])
    .execute();
  return inRequestedOrder(publicIds, rows, (row) => row.public_id);
}

/** The lists with these internal ids (as stored on campaigns and imports), in the order asked. */
export async function getListsByIds(
  ctx: Context,
  ids: readonly string[],
): Promise<(ListRow | null)[]> {
  if (ids.length === 0) return [];
  const rows = await ctx.db
    .selectFrom("lists")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("id", "in", [...new Set(ids)])
    .execute();
  return inRequestedOrder(ids, rows, (row) => row.id);
}

/** One list by public id, or NotFound (also for another account's list). */
export async function getList(ctx: Context, publicId: string): Promise<ListRow> {
  const [list] = await getListsByPublicIds(ctx, [publicId]);
  if (!list) throw new NotFound("List", publicId);
  return list;
}

function filtered(ctx: Context, filter: ListFilter) {
  let query = ctx.db.selectFrom("lists").where("account_id", "=", ctx.account.id);
  const search = filter.search?.trim();
  if (search) query = query.where("name", "ilike", containing(search));
  return query;
}

export function pageLists(ctx: Context, filter: ListFilter, page: Page): Promise<ListRow[]> {
  return applyPage(filtered(ctx, filter).selectAll(), "id", page).execute();
}

export async function countLists(ctx: Context, filter: ListFilter): Promise<number> {
  const { count } = await filtered(ctx, filter)
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(count);
}

/** The lists matching `filter` at a position (page 3 of 10 items), oldest first, and their count. */
export function listsPage(
  ctx: Context,
  filter: ListFilter,
  page: OffsetPage,
): Promise<Counted<ListRow>> {
  return offsetPage(filtered(ctx, filter).selectAll(), "id", page);
}
