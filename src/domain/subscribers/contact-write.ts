import type { Transaction } from "kysely";
import type { Database, SubscriberRow, SubscriberStatus, TagRow } from "../../db/types.js";
import type { Context } from "../context.js";
import { Validation } from "../errors.js";
import { resolveProperties } from "../fields/properties.js";
import { checkTagNames, findOrCreateTags } from "../tags/by-name.js";
import { attachTags } from "../tags/tagging.js";
import { emitEvent } from "../webhooks/events.js";
import { contactEventData } from "../webhooks/payloads.js";
import { checkSubscriber } from "./input.js";
import { insertSubscriberRow, lockSubscriber, setSubscriberColumns } from "./rows.js";

// A subscriber written whole, with its tags by name and its custom values by field name, in
// one transaction (what botbat's POST and PUT /v1/contacts send): a refused write leaves no
// subscriber, tag or field behind, and the webhook event is emitted with the change.

export interface ContactInput {
  email: string;
  firstName: string | null;
  lastName: string | null;
  /** Checked and normalised by the caller (E.164); null: none. */
  phone: string | null;
  /** Absent: active for a new subscriber, unchanged for a replaced one. */
  status?: SubscriberStatus;
  /** Tag names: created when the account has none of that name (any case). */
  tags: readonly string[];
  /** Custom values by field name (see fields/properties.ts); null clears one. */
  properties: Readonly<Record<string, unknown>>;
}

export interface WrittenContact {
  subscriber: SubscriberRow;
  tags: TagRow[];
}

/** The columns the input sets, or every problem with it (tags and properties included). */
async function check(
  ctx: Context,
  trx: Transaction<Database>,
  input: ContactInput,
  current: { custom_values: unknown } | null,
) {
  const properties = await resolveProperties(ctx, trx, input.properties);
  const tags = checkTagNames(input.tags, ["tags"]);
  // Every problem at once: the values that resolved are checked against their fields too.
  const { columns, issues } = checkSubscriber(
    {
      email: input.email,
      firstName: input.firstName,
      lastName: input.lastName,
      phone: input.phone,
      status: input.status,
      customValues: properties.changes,
    },
    { current, fields: properties.fields, path: [] },
  );
  issues.push(...properties.issues, ...tags.issues);
  if (issues.length > 0) throw new Validation(issues);
  // A replaced subscriber keeps only the values sent (checkSubscriber merges when some are).
  if (columns.custom_values === undefined) columns.custom_values = {};
  return { columns, tagNames: tags.names };
}

export async function createContact(ctx: Context, input: ContactInput): Promise<WrittenContact> {
  return ctx.db.transaction().execute(async (trx) => {
    const { columns, tagNames } = await check(ctx, trx, input, null);
    const subscriber = await insertSubscriberRow(trx, ctx, columns);
    const tags = await findOrCreateTags(ctx, trx, tagNames);
    await attachTags(trx, ctx.account.id, subscriber.id, tags);
    await emitEvent(trx, ctx, "contact.created", contactEventData(subscriber));
    return { subscriber, tags };
  });
}

/**
 * Replaces the subscriber's botbat-visible state: names, email, phone as sent (absent ones are
 * cleared), its tags by the ones sent, its custom values by the ones sent; its status only when
 * one is sent. Profile fields botbat does not show (company, timezone…) stay as they are.
 */
export async function replaceContact(
  ctx: Context,
  publicId: string,
  input: ContactInput,
): Promise<WrittenContact> {
  return ctx.db.transaction().execute(async (trx) => {
    const current = await lockSubscriber(trx, ctx, publicId);
    const { columns, tagNames } = await check(ctx, trx, input, { custom_values: {} });
    const subscriber = await setSubscriberColumns(trx, ctx, current.id, columns);
    const tags = await findOrCreateTags(ctx, trx, tagNames);
    let untag = trx
      .deleteFrom("subscriber_tags")
      .where("account_id", "=", ctx.account.id)
      .where("subscriber_id", "=", current.id);
    if (tags.length > 0)
      untag = untag.where(
        "tag_id",
        "not in",
        tags.map((tag) => tag.id),
      );
    await untag.execute();
    await attachTags(trx, ctx.account.id, current.id, tags);
    await emitEvent(trx, ctx, "contact.updated", contactEventData(subscriber));
    return { subscriber, tags };
  });
}
