import type { SubscriberRow } from "../../db/types.js";
import { type Context, isSandbox } from "../context.js";
import { Conflict, NotFound, Validation, violatedUniqueIndex } from "../errors.js";
import { loadFields } from "../fields/read.js";
import { emitEvent } from "../webhooks/events.js";
import { contactEventData, deletedContactEventData } from "../webhooks/payloads.js";
import { checkSubscriber, type SubscriberInput } from "./input.js";

// Creating, changing and deleting one subscriber. The email is unique per account in any case;
// the unique index decides, so two concurrent creates cannot both win.

function duplicateEmail(error: unknown, email: string | undefined): Conflict | null {
  if (violatedUniqueIndex(error) !== "subscribers_email") return null;
  return new Conflict(`a subscriber with email ${email} already exists`);
}

export async function createSubscriber(
  ctx: Context,
  input: SubscriberInput,
): Promise<SubscriberRow> {
  const fields = await loadFields(ctx);
  const { columns, issues } = checkSubscriber(input, { current: null, fields, path: [] });
  if (issues.length > 0) throw new Validation(issues);
  try {
    // The event commits with the row, or neither does.
    return await ctx.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto("subscribers")
        .values({
          ...columns,
          email: columns.email as string,
          account_id: ctx.account.id,
          sandbox: isSandbox(ctx),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await emitEvent(trx, ctx, "contact.created", contactEventData(row));
      return row;
    });
  } catch (error) {
    throw duplicateEmail(error, columns.email) ?? error;
  }
}

/** Changes only what the input carries; null clears an optional field. */
export async function updateSubscriber(
  ctx: Context,
  publicId: string,
  input: SubscriberInput,
): Promise<SubscriberRow> {
  return ctx.db.transaction().execute(async (trx) => {
    // Locked, so custom values merge with what is stored, not with a concurrent write's past.
    const current = await trx
      .selectFrom("subscribers")
      .select(["id", "custom_values"])
      .where("account_id", "=", ctx.account.id)
      .where("public_id", "=", publicId)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw new NotFound("Subscriber", publicId);
    const fields = await loadFields(ctx, trx);
    const { columns, issues } = checkSubscriber(input, { current, fields, path: [] });
    if (issues.length > 0) throw new Validation(issues);
    let row: SubscriberRow;
    try {
      row = await trx
        .updateTable("subscribers")
        .set({ ...columns, updated_at: new Date() })
        .where("account_id", "=", ctx.account.id)
        .where("id", "=", current.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (error) {
      throw duplicateEmail(error, columns.email) ?? error;
    }
    await emitEvent(trx, ctx, "contact.updated", contactEventData(row));
    return row;
  });
}

/** Deletes the subscriber with its subscriptions and tags; answers its public id. */
export async function deleteSubscriber(ctx: Context, publicId: string): Promise<string> {
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .deleteFrom("subscribers")
      .where("account_id", "=", ctx.account.id)
      .where("public_id", "=", publicId)
      .returning(["public_id", "email"])
      .executeTakeFirst();
    if (!row) throw new NotFound("Subscriber", publicId);
    await emitEvent(trx, ctx, "contact.deleted", deletedContactEventData(row.public_id, row.email));
    return row.public_id;
  });
}
