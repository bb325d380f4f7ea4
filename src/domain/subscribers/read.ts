import type { SubscriberRow } from "../../db/types.js";
import type { Context } from "../context.js";
import { NotFound } from "../errors.js";
import { inRequestedOrder } from "../order.js";

/** Subscribers of the account by public id, in the order asked; null where there is none. */
export async function getSubscribers(
  ctx: Context,
  publicIds: readonly string[],
): Promise<(SubscriberRow | null)[]> {
  if (publicIds.length === 0) return [];
  const rows = await ctx.db
    .selectFrom("subscribers")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "in", publicIds)
    .execute();
  return inRequestedOrder(publicIds, rows, (row) => row.public_id);
}

export async function getSubscriber(ctx: Context, publicId: string): Promise<SubscriberRow> {
  const [row] = await getSubscribers(ctx, [publicId]);
  if (!row) throw new NotFound("Subscriber", publicId);
  return row;
}
