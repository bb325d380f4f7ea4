import type { Transaction } from "kysely";
import type { Database, SubscriberRow } from "../../db/types.js";
import { type Context, isSandbox } from "../context.js";
import { Conflict, NotFound, violatedUniqueIndex } from "../errors.js";
import type { SubscriberColumns } from "./input.js";

// The row-level steps every one-subscriber write shares (GraphQL's and botbat's): insert, lock,
// set. The email is unique per account in any case; the unique index decides, so two concurrent
// writes cannot both win, and the loser is a Conflict, not a 500.

function duplicateEmail(error: unknown, email: string | undefined): Conflict | null {
  if (violatedUniqueIndex(error) !== "subscribers_email") return null;
  return new Conflict(`a subscriber with email ${email} already exists`);
}

/** Inserts a checked subscriber (flagged sandbox for a sandbox key). */
export async function insertSubscriberRow(
  trx: Transaction<Database>,
  ctx: Context,
  columns: SubscriberColumns,
): Promise<SubscriberRow> {
  try {
    return await trx
      .insertInto("subscribers")
      .values({
        ...columns,
        email: columns.email as string,
        account_id: ctx.account.id,
        sandbox: isSandbox(ctx),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (error) {
    throw duplicateEmail(error, columns.email) ?? error;
  }
}

/**
 * The subscriber, locked until the transaction ends, so what is written next merges with what
 * is stored, not with a concurrent write's past. NotFound in another account too.
 */
export async function lockSubscriber(
  trx: Transaction<Database>,
  ctx: Context,
  publicId: string,
): Promise<{ id: string; custom_values: Record<string, unknown> }> {
  const current = await trx
    .selectFrom("subscribers")
    .select(["id", "custom_values"])
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "=", publicId)
    .forUpdate()
    .executeTakeFirst();
  if (!current) throw new NotFound("Subscriber", publicId);
  return current;
}

/** Sets checked columns on a locked subscriber. */
export async function setSubscriberColumns(
  trx: Transaction<Database>,
  ctx: Context,
  id: string,
  columns: SubscriberColumns,
): Promise<SubscriberRow> {
  try {
    return await trx
      .updateTable("subscribers")
      .set({ ...columns, updated_at: new Date() })
      .where("account_id", "=", ctx.account.id)
      .where("id", "=", id)
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (error) {
    throw duplicateEmail(error, columns.email) ?? error;
  }
}
