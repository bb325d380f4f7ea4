import type { WebhookDeliveryRow } from "../../db/types.js";
import type { Context } from "../context.js";
import type { Page } from "../page.js";

// A webhook's delivery attempts, newest first, with the event each was for.

export type DeliveryWithEvent = WebhookDeliveryRow & {
  event_public_id: string;
  event_type: string;
};

function attempts(ctx: Context) {
  return ctx.db
    .selectFrom("webhook_deliveries as d")
    .innerJoin("webhook_events as e", (join) =>
      join.onRef("e.id", "=", "d.event_id").onRef("e.account_id", "=", "d.account_id"),
    )
    .selectAll("d")
    .select(["e.public_id as event_public_id", "e.type as event_type"])
    .where("d.account_id", "=", ctx.account.id);
}

/** One webhook's attempts (by internal webhook id), newest first: `afterId` is the previous
 * page's last attempt. */
export function pageDeliveries(
  ctx: Context,
  webhookId: string,
  page: { afterId?: string; limit: number },
): Promise<DeliveryWithEvent[]> {
  let query = attempts(ctx).where("d.webhook_id", "=", webhookId);
  if (page.afterId !== undefined) query = query.where("d.id", "<", page.afterId);
  return query.orderBy("d.id", "desc").limit(page.limit).execute();
}

export async function countDeliveries(ctx: Context, webhookId: string): Promise<number> {
  const { count } = await ctx.db
    .selectFrom("webhook_deliveries")
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .where("account_id", "=", ctx.account.id)
    .where("webhook_id", "=", webhookId)
    .executeTakeFirstOrThrow();
  return Number(count);
}

/**
 * A keyset page of attempts for many webhooks at once (GraphQL's `deliveries` of each webhook in
 * a list), oldest first as every Relay connection here (`last` reads the newest): one statement,
 * at most `page.limit` of each webhook, ranked in a window.
 */
export async function deliveriesOfWebhooks(
  ctx: Context,
  webhookIds: readonly string[],
  page: Page,
): Promise<Map<string, DeliveryWithEvent[]>> {
  const byWebhook = new Map<string, DeliveryWithEvent[]>(webhookIds.map((id) => [id, []]));
  if (webhookIds.length === 0) return byWebhook;
  let inner = attempts(ctx).where("d.webhook_id", "in", [...webhookIds]);
  if (page.afterId !== undefined) inner = inner.where("d.id", ">", page.afterId);
  if (page.beforeId !== undefined) inner = inner.where("d.id", "<", page.beforeId);
  const direction = page.backward ? "desc" : "asc";
  const ranked = inner
    .select((eb) =>
      eb.fn
        .agg<string>("row_number")
        .over((over) => over.partitionBy("d.webhook_id").orderBy("d.id", direction))
        .as("rank"),
    )
    .as("ranked");
  const rows = await ctx.db
    .selectFrom(ranked)
    .selectAll()
    .where("ranked.rank", "<=", String(page.limit))
    .orderBy("ranked.id", direction)
    .execute();
  for (const { rank: _rank, ...row } of rows) byWebhook.get(row.webhook_id)?.push(row);
  return byWebhook;
}
