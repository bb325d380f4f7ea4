import type { TagRow, TagStatus } from "../../db/types.js";
import type { Context } from "../context.js";
import { Conflict, type Issue, NotFound, Validation, violatedUniqueIndex } from "../errors.js";
import { containing } from "../like.js";
import { applyPage, type Counted, type OffsetPage, offsetPage, type Page } from "../page.js";

// Tags of an account: a name unique in any case, and a status (inactive tags stay on
// subscribers but a frontend can hide them).

const MAX_NAME = 100;
export const TAG_STATUSES: readonly TagStatus[] = ["active", "inactive"];

export interface TagInput {
  name?: string | null;
  status?: TagStatus | null;
}

export interface TagFilter {
  status?: TagStatus | null;
  /** Part of the name, any case. */
  search?: string | null;
}

function clean(input: TagInput, creating: boolean): { name?: string; status?: TagStatus } {
  const issues: Issue[] = [];
  const out: { name?: string; status?: TagStatus } = {};
  if (creating || input.name !== undefined) {
    const name = input.name?.trim() ?? "";
    if (!name) issues.push({ path: ["name"], message: "is required" });
    else if (name.length > MAX_NAME)
      issues.push({ path: ["name"], message: `may be at most ${MAX_NAME} characters` });
    else out.name = name;
  }
  if (input.status !== undefined && input.status !== null) {
    if (!TAG_STATUSES.includes(input.status))
      issues.push({ path: ["status"], message: `must be ${TAG_STATUSES.join(" or ")}` });
    else out.status = input.status;
  } else if (input.status === null && !creating) {
    issues.push({ path: ["status"], message: "cannot be cleared" });
  }
  if (issues.length > 0) throw new Validation(issues);
  return out;
}

function duplicateName(error: unknown, name: string | undefined): Conflict | null {
  if (violatedUniqueIndex(error) !== "tags_name") return null;
  return new Conflict(`a tag named "${name}" already exists`);
}

export async function createTag(ctx: Context, input: TagInput): Promise<TagRow> {
  const { name, status } = clean(input, true);
  try {
    return await ctx.db
      .insertInto("tags")
      .values({ account_id: ctx.account.id, name: name as string, status })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (error) {
    throw duplicateName(error, name) ?? error;
  }
}

export async function updateTag(ctx: Context, publicId: string, input: TagInput): Promise<TagRow> {
  const changes = clean(input, false);
  let row: TagRow | undefined;
  try {
    row = await ctx.db
      .updateTable("tags")
      .set({ ...changes, updated_at: new Date() })
      .where("account_id", "=", ctx.account.id)
      .where("public_id", "=", publicId)
      .returningAll()
      .executeTakeFirst();
  } catch (error) {
    throw duplicateName(error, changes.name) ?? error;
  }
  if (!row) throw new NotFound("Tag", publicId);
  return row;
}

/** Deletes the tag; it comes off every subscriber that had it. */
export async function deleteTag(ctx: Context, publicId: string): Promise<string> {
  const row = await ctx.db
    .deleteFrom("tags")
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "=", publicId)
    .returning("public_id")
    .executeTakeFirst();
  if (!row) throw new NotFound("Tag", publicId);
  return row.public_id;
}

function filtered(ctx: Context, filter: TagFilter) {
  let query = ctx.db.selectFrom("tags").where("tags.account_id", "=", ctx.account.id);
  if (filter.status) query = query.where("tags.status", "=", filter.status);
  if (filter.search?.trim())
    query = query.where("tags.name", "ilike", containing(filter.search.trim()));
  return query;
}

export function pageTags(ctx: Context, filter: TagFilter, page: Page): Promise<TagRow[]> {
  return applyPage(filtered(ctx, filter).selectAll(), "tags.id", page).execute();
}

export async function countTags(ctx: Context, filter: TagFilter): Promise<number> {
  const { count } = await filtered(ctx, filter)
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(count);
}

/** The tags matching `filter` at a position (page 3 of 10 items), oldest first, and their count. */
export function tagsPage(
  ctx: Context,
  filter: TagFilter,
  page: OffsetPage,
): Promise<Counted<TagRow>> {
  return offsetPage(filtered(ctx, filter).selectAll(), "tags.id", page);
}
