import { sql } from "kysely";
import type { ListRow } from "../../db/types.js";
import { isBlocked } from "../blocklist/blocklist.js";
import { shown } from "../bounds.js";
import type { Context } from "../context.js";
import { isEmail } from "../email.js";
import { Conflict, Validation, violatedUniqueIndex } from "../errors.js";
import { emitEvent } from "../webhooks/events.js";
import { contactEventData } from "../webhooks/payloads.js";
import { subscriptionsOfEmail } from "./subscriptions.js";

// A list's membership named by the subscriber's address (any case) rather than by ids: which
// lists hold an address, and unsubscribe, delete and change of address within one list. A
// pending subscription is none here: it was never confirmed.

interface Found {
  id: string;
  subscriberId: string;
}

async function findByEmail(ctx: Context, list: ListRow, email: string): Promise<Found | null> {
  const row = await subscriptionsOfEmail(ctx, email)
    .select(["subscriptions.id", "subscriptions.subscriber_id as subscriberId"])
    .where("subscriptions.list_id", "=", list.id)
    .where("subscriptions.status", "<>", "pending")
    .executeTakeFirst();
  return row ?? null;
}

/** The lists an address is on, in any status but pending, oldest list first. */
export function listsOfEmail(ctx: Context, email: string): Promise<ListRow[]> {
  return ctx.db
    .selectFrom("lists")
    .selectAll("lists")
    .where("lists.account_id", "=", ctx.account.id)
    .where(
      "lists.id",
      "in",
      subscriptionsOfEmail(ctx, email)
        .select("subscriptions.list_id")
        .where("subscriptions.status", "<>", "pending"),
    )
    .orderBy("lists.id")
    .execute();
}

/** Marks the subscription unsubscribed (again is fine); its internal id, or null if none. */
export async function unsubscribeByEmail(
  ctx: Context,
  list: ListRow,
  email: string,
): Promise<string | null> {
  const found = await findByEmail(ctx, list, email);
  if (!found) return null;
  await ctx.db
    .updateTable("subscriptions")
    .set({
      status: "unsubscribed",
      status_changed_at: sql`case when status = 'unsubscribed' then status_changed_at else now() end`,
    })
    .where("account_id", "=", ctx.account.id)
    .where("id", "=", found.id)
    .execute();
  return found.id;
}

/** Deletes the subscription (the subscriber stays, with its other lists); false if none. */
export async function deleteByEmail(ctx: Context, list: ListRow, email: string): Promise<boolean> {
  const found = await findByEmail(ctx, list, email);
  if (!found) return false;
  const deleted = await ctx.db
    .deleteFrom("subscriptions")
    .where("account_id", "=", ctx.account.id)
    .where("id", "=", found.id)
    .executeTakeFirst();
  return deleted.numDeletedRows > 0n;
}

/**
 * Changes the address of the subscriber the list has under the old one: the subscriber is one
 * per account, so the change shows on every list. Checks, in order: the new address is not
 * blocklisted, the list has the old one, the new one is an address, no other subscriber has it.
 * Answers the subscription's internal id, or null when the list has no such address.
 */
export async function changeAddress(
  ctx: Context,
  list: ListRow,
  oldEmail: string,
  newEmail: string,
): Promise<string | null> {
  if (await isBlocked(ctx, ctx.db, newEmail)) throw Validation.of(["newEmail"], "is blocklisted");
  const found = await findByEmail(ctx, list, oldEmail);
  if (!found) return null;
  if (!isEmail(newEmail))
    throw Validation.of(["newEmail"], `${shown(newEmail)} is not an email address`);
  try {
    // The contact.updated event commits with the change, or neither does.
    await ctx.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable("subscribers")
        .set({ email: newEmail, updated_at: new Date() })
        .where("account_id", "=", ctx.account.id)
        .where("id", "=", found.subscriberId)
        .returningAll()
        .executeTakeFirst();
      if (row) await emitEvent(trx, ctx, "contact.updated", contactEventData(row));
    });
  } catch (error) {
    if (violatedUniqueIndex(error) === "subscribers_email")
      throw new Conflict("Email address already registered");
    throw error;
  }
  return found.id;
}
