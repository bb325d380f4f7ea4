import type { WebhookRow } from "../../db/types.js";
import { type Context, isSandbox } from "../context.js";
import { NotFound, Validation } from "../errors.js";
import { applyPage, type Page } from "../page.js";
import { checkWebhook, type WebhookInput } from "./input.js";
import { newWebhookSecret } from "./signing.js";

// A webhook's life: created with a secret the API shows once, changed as a whole, deleted. A
// webhook made through a sandbox key is sandbox: it hears only sandbox keys' changes.

export async function createWebhook(ctx: Context, input: WebhookInput): Promise<WebhookRow> {
  const { issues, checked } = await checkWebhook(input);
  if (issues.length > 0) throw new Validation(issues);
  return ctx.db
    .insertInto("webhooks")
    .values({
      account_id: ctx.account.id,
      url: checked.url,
      events: checked.events,
      description: checked.description,
      active: input.active ?? true,
      secret: newWebhookSecret(),
      sandbox: isSandbox(ctx),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Replaces what a client sets (url, events, description, active). Turning a disabled webhook on
 * again clears its failure state: it starts afresh.
 */
export async function updateWebhook(
  ctx: Context,
  publicId: string,
  input: WebhookInput & { active: boolean },
): Promise<WebhookRow> {
  await getWebhook(ctx, publicId);
  const { issues, checked } = await checkWebhook(input);
  if (issues.length > 0) throw new Validation(issues);
  const row = await ctx.db
    .updateTable("webhooks")
    .set((eb) => ({
      url: checked.url,
      events: checked.events,
      description: checked.description,
      active: input.active,
      failing_since: input.active
        ? eb.case().when("active", "=", false).then(null).else(eb.ref("failing_since")).end()
        : eb.ref("failing_since"),
      disabled_reason: input.active ? null : eb.ref("disabled_reason"),
      updated_at: new Date(),
    }))
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "=", publicId)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new NotFound("Webhook", publicId);
  return row;
}

/** Deletes the webhook and its attempts; its pending deliveries then do nothing. */
export async function deleteWebhook(ctx: Context, publicId: string): Promise<string> {
  const row = await ctx.db
    .deleteFrom("webhooks")
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "=", publicId)
    .returning("public_id")
    .executeTakeFirst();
  if (!row) throw new NotFound("Webhook", publicId);
  return row.public_id;
}

export async function getWebhook(ctx: Context, publicId: string): Promise<WebhookRow> {
  const row = await ctx.db
    .selectFrom("webhooks")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "=", publicId)
    .executeTakeFirst();
  if (!row) throw new NotFound("Webhook", publicId);
  return row;
}

/** Webhooks by public id, in the order asked (null where none), for GraphQL's node loads. */
export async function getWebhooks(
  ctx: Context,
  publicIds: readonly string[],
): Promise<(WebhookRow | null)[]> {
  if (publicIds.length === 0) return [];
  const rows = await ctx.db
    .selectFrom("webhooks")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "in", publicIds)
    .execute();
  const byId = new Map(rows.map((row) => [row.public_id, row]));
  return publicIds.map((id) => byId.get(id) ?? null);
}

/** The account's webhooks, oldest first, by keyset. */
export function pageWebhooks(ctx: Context, page: Page): Promise<WebhookRow[]> {
  const query = ctx.db.selectFrom("webhooks").selectAll().where("account_id", "=", ctx.account.id);
  return applyPage(query, "id", page).execute();
}

export async function countWebhooks(ctx: Context): Promise<number> {
  const { count } = await ctx.db
    .selectFrom("webhooks")
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .where("account_id", "=", ctx.account.id)
    .executeTakeFirstOrThrow();
  return Number(count);
}
