import { sql } from "kysely";
import type { ListRow } from "../../db/types.js";
import type { Context } from "../context.js";
import { isEmail } from "../email.js";
import { Conflict, Validation, violatedUniqueIndex } from "../errors.js";
import { isBlocked } from "./blocklist.js";
import { invalidEmail } from "./subscribe.js";

// Unsubscribe, delete and change of address: each finds the subscription by email (any case)
// within the list. A pending subscription is none, for Mailtrain.

interface Found {
  id: string;
  status: string;
  subscriberId: string;
}

async function findByEmail(ctx: Context, list: ListRow, email: string): Promise<Found | null> {
  const row = await ctx.db
    .selectFrom("subscriptions")
    .innerJoin("subscribers", (join) =>
      join
        .onRef("subscribers.id", "=", "subscriptions.subscriber_id")
        .onRef("subscribers.account_id", "=", "subscriptions.account_id"),
    )
    .select([
      "subscriptions.id",
      "subscriptions.status",
      "subscriptions.subscriber_id as subscriberId",
    ])
    .where("subscriptions.account_id", "=", ctx.account.id)
    .where("subscriptions.list_id", "=", list.id)
    .where("subscriptions.status", "<>", "pending")
    .where(sql<string>`lower(subscribers.email)`, "=", email.trim().toLowerCase())
    .executeTakeFirst();
  return row ?? null;
}

/** Marks the subscription unsubscribed (again is fine); its numeric id, or null if none. */
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
 * per account, so the change shows on every list. Answers the subscription's numeric id, or
 * null when the list has no such address.
 */
export async function changeEmail(
  ctx: Context,
  list: ListRow,
  oldEmail: string,
  newEmail: string,
): Promise<string | null> {
  if (await isBlocked(ctx, ctx.db, newEmail))
    throw Validation.of(["EMAILNEW"], "New email is blacklisted");
  const found = await findByEmail(ctx, list, oldEmail);
  if (!found) return null;
  if (!isEmail(newEmail)) throw invalidEmail(newEmail);
  try {
    await ctx.db
      .updateTable("subscribers")
      .set({ email: newEmail, updated_at: new Date() })
      .where("account_id", "=", ctx.account.id)
      .where("id", "=", found.subscriberId)
      .execute();
  } catch (error) {
    if (violatedUniqueIndex(error) === "subscribers_email")
      throw new Conflict("Email address already registered");
    throw error;
  }
  return found.id;
}
