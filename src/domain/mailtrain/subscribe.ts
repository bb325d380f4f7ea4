import { sql, type Transaction } from "kysely";
import type { Database, ListRow, SubscriberRow, SubscriptionRow } from "../../db/types.js";
import { shown } from "../bounds.js";
import type { Context } from "../context.js";
import { isEmail } from "../email.js";
import { Conflict, type Issue, Validation } from "../errors.js";
import { type CustomField, loadFields } from "../fields/read.js";
import { coerceValue } from "../fields/values.js";
import {
  checkSubscriber,
  type ProfileKey,
  profileProblem,
  type SubscriberInput,
} from "../subscribers/input.js";
import { changesFromMergeTags, fieldsOfList } from "./values.js";

// Mailtrain's subscribe: an upsert of the subscriber by email (any case; an existing row keeps
// its spelling) and of its subscription to the list. Only what is sent changes.

/** A subscribe request, as stored with a pending confirmation too. */
export interface SubscribeRequest {
  email: string;
  /** Each only when sent non-empty. */
  firstName?: string;
  lastName?: string;
  /** As sent: checked and stored in IANA's spelling by the subscriber checks. */
  timezone?: string;
  /** Raw values by merge tag (MERGE_BIRTHDAY). */
  values: Record<string, string>;
}

export interface SubscribeOptions {
  /** Re-subscribes an unsubscribed, bounced or complained address (FORCE_SUBSCRIBE). */
  force: boolean;
  /** The public id a new subscription gets (a confirmation's id). */
  publicId?: string;
  /** A confirmation fails on an address the list already has as subscribed. */
  refuseSubscribed?: boolean;
  optInIp?: string | null;
}

export interface Subscribed {
  subscription: SubscriptionRow;
  subscriber: SubscriberRow;
}

type Trx = Transaction<Database>;

function invalidEmailIssue(email: string): Issue {
  return { path: ["EMAIL"], message: `Invalid email address ${shown(email)}.` };
}

export function invalidEmail(email: string): Validation {
  return new Validation([invalidEmailIssue(email)]);
}

/** Mailtrain's names of the profile values a subscribe carries. */
const PROFILE_KEYS: [keyof SubscribeRequest & ProfileKey, string][] = [
  ["firstName", "FIRST_NAME"],
  ["lastName", "LAST_NAME"],
  ["timezone", "TIMEZONE"],
];

/**
 * Checks the email, the names and every custom value against the list's fields, all at once
 * (a request may be stored as a pending confirmation, so nothing is left for later); answers
 * the changes.
 */
export function checkRequest(
  fields: readonly CustomField[],
  list: ListRow,
  request: SubscribeRequest,
): Map<string, unknown> {
  const issues: Issue[] = [];
  if (!isEmail(request.email)) issues.push(invalidEmailIssue(request.email));
  for (const [key, name] of PROFILE_KEYS) {
    const problem = profileProblem(key, request[key]);
    if (problem !== null) issues.push({ path: [name], message: `${name} ${problem}` });
  }
  const listFields = fieldsOfList(fields, list.id);
  const values = changesFromMergeTags(listFields, request.values);
  issues.push(...values.issues);
  // Each value against its type now, not only when written: with the other problems at once.
  for (const field of listFields) {
    if (!values.changes.has(field.id)) continue;
    const coerced = coerceValue(field, values.changes.get(field.id));
    if (!coerced.ok)
      issues.push({ path: [field.merge_tag], message: `${field.merge_tag}: ${coerced.message}` });
  }
  if (issues.length > 0) throw new Validation(issues);
  return values.changes;
}

/** Issues of the shared checks, named by merge tag as Mailtrain clients know the fields. */
function byMergeTag(issues: Issue[], fields: readonly CustomField[]): Validation {
  return new Validation(
    issues.map((issue) => {
      const name = issue.path.at(-1);
      const field = fields.find((candidate) => candidate.name === name);
      const label = field?.merge_tag ?? name ?? "input";
      return { path: [label], message: `${label}: ${issue.message}` };
    }),
  );
}

async function writeSubscriber(
  ctx: Context,
  trx: Trx,
  fields: readonly CustomField[],
  request: SubscribeRequest,
  changes: Map<string, unknown>,
  optInIp: string | null | undefined,
): Promise<SubscriberRow> {
  const publicIds = new Map(fields.map((field) => [field.id, field.public_id]));
  const input: SubscriberInput = {
    firstName: request.firstName,
    lastName: request.lastName,
    timezone: request.timezone,
    customValues: [...changes].map(([id, value]) => ({
      fieldId: publicIds.get(id) as string,
      value,
    })),
  };
  const extra = optInIp ? { opt_in_ip: optInIp } : {};
  // Two tries: a concurrent subscribe of the same new address may insert it first.
  for (let attempt = 0; attempt < 2; attempt++) {
    const current = await trx
      .selectFrom("subscribers")
      .selectAll()
      .where("account_id", "=", ctx.account.id)
      .where(sql<string>`lower(email)`, "=", request.email.toLowerCase())
      .forUpdate()
      .executeTakeFirst();
    const checked = checkSubscriber(current ? input : { ...input, email: request.email }, {
      current: current ?? null,
      fields,
      path: [],
    });
    if (checked.issues.length > 0) throw byMergeTag(checked.issues, fields);
    if (current) {
      return trx
        .updateTable("subscribers")
        .set({ ...checked.columns, ...extra, updated_at: new Date() })
        .where("account_id", "=", ctx.account.id)
        .where("id", "=", current.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    }
    const inserted = await trx
      .insertInto("subscribers")
      .values({ ...checked.columns, ...extra, email: request.email, account_id: ctx.account.id })
      .onConflict((conflict) => conflict.expression(sql`account_id, lower(email)`).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return inserted;
  }
  throw new Conflict(`${request.email} is being subscribed by another request; try again`);
}

/** The subscribe itself, in the caller's transaction. */
export async function subscribeInTransaction(
  ctx: Context,
  trx: Trx,
  list: ListRow,
  request: SubscribeRequest,
  options: SubscribeOptions,
): Promise<Subscribed> {
  const fields = await loadFields(ctx, trx);
  const changes = checkRequest(fields, list, request);
  const subscriber = await writeSubscriber(ctx, trx, fields, request, changes, options.optInIp);

  const existing = await trx
    .selectFrom("subscriptions")
    .select(["id", "status"])
    .where("account_id", "=", ctx.account.id)
    .where("list_id", "=", list.id)
    .where("subscriber_id", "=", subscriber.id)
    .forUpdate()
    .executeTakeFirst();
  if (existing?.status === "subscribed" && options.refuseSubscribed)
    throw new Conflict("Email address already registered");
  // A new subscription is subscribed; an existing one keeps its status unless forced (a
  // pending one, made elsewhere, is simply confirmed).
  const resubscribe =
    existing !== undefined &&
    existing.status !== "subscribed" &&
    (options.force || existing.status === "pending");
  const subscriptions = trx
    .selectFrom("subscriptions")
    .selectAll()
    .where("account_id", "=", ctx.account.id);
  let subscription: SubscriptionRow;
  if (existing === undefined) {
    subscription = await trx
      .insertInto("subscriptions")
      .values({
        account_id: ctx.account.id,
        list_id: list.id,
        subscriber_id: subscriber.id,
        status: "subscribed",
        source: "mailtrain",
        ...(options.publicId ? { public_id: options.publicId } : {}),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } else if (resubscribe) {
    subscription = await trx
      .updateTable("subscriptions")
      .set({ status: "subscribed", status_changed_at: new Date() })
      .where("account_id", "=", ctx.account.id)
      .where("id", "=", existing.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  } else {
    subscription = await subscriptions.where("id", "=", existing.id).executeTakeFirstOrThrow();
  }
  return { subscription, subscriber };
}

export function subscribeToList(
  ctx: Context,
  list: ListRow,
  request: SubscribeRequest,
  options: SubscribeOptions,
): Promise<Subscribed> {
  return ctx.db
    .transaction()
    .execute((trx) => subscribeInTransaction(ctx, trx, list, request, options));
}
