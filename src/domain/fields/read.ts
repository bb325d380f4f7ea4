import type { CustomFieldRow } from "../../db/types.js";
import type { Context, Queryable } from "../context.js";
import { containing } from "../like.js";
import { inRequestedOrder } from "../order.js";
import { type Counted, type OffsetPage, offsetPage } from "../page.js";

/** A custom field with the public id of its list (null when it is account-wide). */
export type CustomField = CustomFieldRow & { list_public_id: string | null };

/** The account's custom fields, each with its list's public id: the one way fields are read. */
export function selectFields(ctx: Context, db: Queryable = ctx.db) {
  return db
    .selectFrom("custom_fields")
    .leftJoin("lists", (join) =>
      join
        .onRef("lists.id", "=", "custom_fields.list_id")
        .onRef("lists.account_id", "=", "custom_fields.account_id"),
    )
    .selectAll("custom_fields")
    .select("lists.public_id as list_public_id")
    .where("custom_fields.account_id", "=", ctx.account.id);
}

/**
 * Every custom field of the account, oldest first. Writes of custom values load them once per
 * request or batch: accounts have tens of fields, not thousands.
 */
export function loadFields(ctx: Context, db: Queryable = ctx.db): Promise<CustomField[]> {
  return selectFields(ctx, db).orderBy("custom_fields.id").execute();
}

/** Custom fields of the account by public id, in the order asked; null where there is none. */
export async function getFields(
  ctx: Context,
  publicIds: readonly string[],
): Promise<(CustomField | null)[]> {
  if (publicIds.length === 0) return [];
  const rows = await selectFields(ctx).where("custom_fields.public_id", "in", publicIds).execute();
  return inRequestedOrder(publicIds, rows, (row) => row.public_id);
}

export interface FieldSearch {
  /** Part of the name, any case; blank: no filter. */
  search?: string | null;
}

/**
 * The account's custom fields (account-wide and every list's) matching `filter` at a position
 * (page 3 of 10 items), oldest first, and their count.
 */
export function fieldsPage(
  ctx: Context,
  filter: FieldSearch,
  page: OffsetPage,
): Promise<Counted<CustomField>> {
  const search = filter.search?.trim();
  let query = selectFields(ctx);
  if (search) query = query.where("custom_fields.name", "ilike", containing(search));
  return offsetPage(query, "custom_fields.id", page);
}
