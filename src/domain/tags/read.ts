import type { TagRow } from "../../db/types.js";
import type { Context } from "../context.js";
import { inRequestedOrder } from "../order.js";

/** Tags of the account by public id, in the order asked; null where there is none. */
export async function getTags(
  ctx: Context,
  publicIds: readonly string[],
): Promise<(TagRow | null)[]> {
  if (publicIds.length === 0) return [];
  const rows = await ctx.db
    .selectFrom("tags")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "in", publicIds)
    .execute();
  return inRequestedOrder(publicIds, rows, (row) => row.public_id);
}
