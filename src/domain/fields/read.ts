import { CompiledQuery } from "kysely";
import { prepared } from "../../db/prepared.js";
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
export async function loadFields(ctx: Context, db: Queryable = ctx.db): Promise<CustomField[]> {
  const { rows } = await db.executeQuery<CustomField>(
    CompiledQuery.raw(ACCOUNT_FIELDS, [ctx.account.id]),
  );
  return rows;
}

/**
 * The columns of a field, in the table's order (the rows keep `selectAll`'s key order). Named,
 * not `*`: a prepared `*` fails once a migration adds a column under a running server. The type
 * makes a column added to CustomFieldRow fail to compile until it is listed here.
 */
const FIELD_COLUMNS = Object.keys({
  id: 0,
  account_id: 0,
  public_id: 0,
  list_id: 0,
  name: 0,
  type: 0,
  options: 0,
  required: 0,
  default_value: 0,
  visible: 0,
  description: 0,
  group_id: 0,
  merge_tag: 0,
  column_name: 0,
  created_at: 0,
  updated_at: 0,
  form_type: 0,
  group_template: 0,
} satisfies Record<keyof CustomFieldRow, 0>);

/**
 * selectFields in id order as a prepared statement: every GraphQL page with custom values and
 * every contacts read loads the account's fields, and Kysely built this statement each time.
 */
const ACCOUNT_FIELDS = prepared(
  `select ${FIELD_COLUMNS.map((name) => `"custom_fields"."${name}"`).join(", ")}, "lists"."public_id" as "list_public_id" from "custom_fields" left join "lists" on "lists"."id" = "custom_fields"."list_id" and "lists"."account_id" = "custom_fields"."account_id" where "custom_fields"."account_id" = $1 order by "custom_fields"."id"`,
);

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
