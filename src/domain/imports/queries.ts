import { sql } from "kysely";
import type { ImportErrorsTable, ImportRow } from "../../db/types.js";
import type { Context } from "../context.js";
import { inRequestedOrder } from "../order.js";
import { applyPage, type Page } from "../page.js";

export type ImportErrorRow = Pick<
  ImportErrorsTable,
  "import_id" | "row_number" | "email" | "message"
>;

/** Imports of the caller's account by public id, in the order asked (null for unknown ids). */
export async function getImports(
  ctx: Context,
  publicIds: readonly string[],
): Promise<(ImportRow | null)[]> {
  if (publicIds.length === 0) return [];
  const rows = await ctx.db
    .selectFrom("imports")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "in", publicIds)
    .execute();
  return inRequestedOrder(publicIds, rows, (row) => row.public_id);
}

export function listImports(ctx: Context, page: Page): Promise<ImportRow[]> {
  return applyPage(
    ctx.db.selectFrom("imports").selectAll().where("account_id", "=", ctx.account.id),
    "id",
    page,
  ).execute();
}

export async function countImports(ctx: Context): Promise<number> {
  const { count } = await ctx.db
    .selectFrom("imports")
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .where("account_id", "=", ctx.account.id)
    .executeTakeFirstOrThrow();
  return Number(count);
}

/**
 * One page of row errors for each of several imports (internal ids), in one statement: the same
 * keyset page (by row number) is taken from each import.
 */
export async function listImportErrors(
  ctx: Context,
  importIds: readonly string[],
  page: Page,
): Promise<Map<string, ImportErrorRow[]>> {
  const byImport = new Map<string, ImportErrorRow[]>(importIds.map((id) => [id, []]));
  if (importIds.length === 0) return byImport;
  const { rows } = await sql<ImportErrorRow>`
    select e.import_id, e.row_number, e.email, e.message
    from unnest(${[...importIds]}::bigint[]) as i(id)
    cross join lateral (
      select import_id, row_number, email, message
      from import_errors
      where account_id = ${ctx.account.id} and import_id = i.id
        ${page.afterId !== undefined ? sql`and row_number > ${Number(page.afterId)}` : sql``}
        ${page.beforeId !== undefined ? sql`and row_number < ${Number(page.beforeId)}` : sql``}
      order by row_number ${page.backward ? sql`desc` : sql`asc`}
      limit ${page.limit}
    ) e`.execute(ctx.db);
  for (const row of rows) byImport.get(String(row.import_id))?.push(row);
  return byImport;
}
