import type { SubscriberRow } from "../../db/types.js";
import type { Context } from "../context.js";
import { NotFound, Validation } from "../errors.js";
import { loadFields } from "../fields/read.js";
import { emitEvent } from "../webhooks/events.js";
import { contactEventData, deletedContactEventData } from "../webhooks/payloads.js";
import { checkSubscriber, type SubscriberInput } from "./input.js";
import { insertSubscriberRow, lockSubscriber, setSubscriberColumns } from "./rows.js";

// Creating, changing and deleting one subscriber, each with its webhook event in its
// transaction (rows.ts has the steps they share with botbat's whole-contact writes).

export async function createSubscriber(
  ctx: Context,
  input: SubscriberInput,
): Promise<SubscriberRow> {
  const fields = await loadFields(ctx);
  const { columns, issues } = checkSubscriber(input, { current: null, fields, path: [] });
  if (issues.length > 0) throw new Validation(issues);
  // The event commits with the row, or neither does.
  return ctx.db.transaction().execute(async (trx) => {
    const row = await insertSubscriberRow(trx, ctx, columns);
    await emitEvent(trx, ctx, "contact.created", contactEventData(row));
    return row;
  });
}

/** Changes only what the input carries; null clears an optional field. */
export async function updateSubscriber(
  ctx: Context,
  publicId: string,
  input: SubscriberInput,
): Promise<SubscriberRow> {
  return ctx.db.transaction().execute(async (trx) => {
    const current = await lockSubscriber(trx, ctx, publicId);
    const fields = await loadFields(ctx, trx);
    const { columns, issues } = checkSubscriber(input, { current, fields, path: [] });
    if (issues.length > 0) throw new Validation(issues);
    const row = await setSubscriberColumns(trx, ctx, current.id, columns);
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
