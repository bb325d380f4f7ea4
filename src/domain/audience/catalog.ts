import type { ListRow, TagRow, TagStatus } from "../../db/types.js";
import type { Context } from "../context.js";
import { type CustomField, selectFields } from "../fields/read.js";

// The account's lists, custom fields and tags by page number (1-based) rather than by cursor,
// for surfaces whose clients ask "page 3 of 10 items": oldest first, with the total count.

export interface NumberedPage {
  /** 1-based. */
  page: number;
  size: number;
}

export interface CatalogFilter {
  /** Part of the name, any case; blank: no filter. */
  name?: string | null;
}

export interface Numbered<Row> {
  rows: Row[];
  total: number;
}

/** An `ilike` pattern for "contains", with the client's % and _ taken literally. */
function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

function nameOf(filter: CatalogFilter): string | null {
  return filter.name?.trim() || null;
}

async function numbered<Row>(
  rows: Promise<Row[]>,
  count: Promise<{ count: string }>,
): Promise<Numbered<Row>> {
  const [found, { count: total }] = await Promise.all([rows, count]);
  return { rows: found, total: Number(total) };
}

export function numberedLists(
  ctx: Context,
  filter: CatalogFilter,
  page: NumberedPage,
): Promise<Numbered<ListRow>> {
  const name = nameOf(filter);
  let query = ctx.db.selectFrom("lists").where("account_id", "=", ctx.account.id);
  if (name) query = query.where("name", "ilike", containing(name));
  return numbered(
    query
      .selectAll()
      .orderBy("id")
      .limit(page.size)
      .offset((page.page - 1) * page.size)
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as("count")).executeTakeFirstOrThrow(),
  );
}

/** Account-wide fields and those of every list: the account's whole set. */
export function numberedFields(
  ctx: Context,
  filter: CatalogFilter,
  page: NumberedPage,
): Promise<Numbered<CustomField>> {
  const name = nameOf(filter);
  let rows = selectFields(ctx);
  let count = ctx.db.selectFrom("custom_fields").where("account_id", "=", ctx.account.id);
  if (name) {
    rows = rows.where("custom_fields.name", "ilike", containing(name));
    count = count.where("name", "ilike", containing(name));
  }
  return numbered(
    rows
      .orderBy("custom_fields.id")
      .limit(page.size)
      .offset((page.page - 1) * page.size)
      .execute(),
    count.select((eb) => eb.fn.countAll<string>().as("count")).executeTakeFirstOrThrow(),
  );
}

export function numberedTags(
  ctx: Context,
  filter: CatalogFilter & { status: TagStatus },
  page: NumberedPage,
): Promise<Numbered<TagRow>> {
  const name = nameOf(filter);
  let query = ctx.db
    .selectFrom("tags")
    .where("account_id", "=", ctx.account.id)
    .where("status", "=", filter.status);
  if (name) query = query.where("name", "ilike", containing(name));
  return numbered(
    query
      .selectAll()
      .orderBy("id")
      .limit(page.size)
      .offset((page.page - 1) * page.size)
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as("count")).executeTakeFirstOrThrow(),
  );
}
