import type { Transaction } from "kysely";
import type { Database, ListRow, SubscriberRow, SubscriptionRow } from "../../db/types.js";
import { shown } from "../bounds.js";
import type { Context } from "../context.js";
import { isEmail } from "../email.js";
import { Conflict, type Issue, Validation } from "../errors.js";
import { type CustomField, loadFields } from "../fields/read.js";
import {
  changesFromTaggedValues,
  fieldsOfList,
  type ValueReader,
} from "../fields/tagged-values.js";
import { coerceValue } from "../fields/values.js";
import { type ProfileKey, profileProblem } from "../subscribers/input.js";
import { upsertSubscribers } from "../subscribers/upsert.js";

// Subscribe by email: the subscriber is upserted by address (any case; an existing row keeps its
// spelling) through the one subscriber upsert, then its subscription to the list, as the policy
// says. Only what is sent changes. Issues name the request's fields (["email"], ["firstName"],
// ["customValues", <merge tag>]).

/** A subscribe request, as a pending confirmation stores it too. */
export interface SubscribeRequest {
  email: string;
  /** Each only when sent non-empty. */
  firstName?: string;
  lastName?: string;
  /** As sent: checked and stored in IANA's spelling by the subscriber checks. */
  timezone?: string;
  /** Values as text, by merge tag (MERGE_BIRTHDAY), in the client's notation. */
  values: Record<string, string>;
}

/** What a subscribe does to an address the list already has. */
export interface SubscribePolicy {
  /** An unsubscribed, bounced or complained subscription: left as it is, or subscribed again. */
  lapsed: "keep" | "resubscribe";
  /** A subscribed one: nothing changes, or the subscribe is refused (Conflict). */
  subscribed: "accept" | "refuse";
  /** Where the subscription came from (a new subscription's `source`). */
  source: string;
  /** How the client writes values as text. */
  read: ValueReader;
  /** The public id a new subscription gets (a confirmation's id). */
  publicId?: string;
  /** The address a double opt-in was confirmed from. */
  optInIp?: string | null;
}

export interface Subscribed {
  subscription: SubscriptionRow;
  subscriber: SubscriberRow;
}

type Trx = Transaction<Database>;

const PROFILE_KEYS: (keyof SubscribeRequest & ProfileKey)[] = ["firstName", "lastName", "timezone"];

/**
 * Checks the email, the names and every custom value against the list's fields, all at once
 * (a request may be stored as a pending confirmation, so nothing is left for later); answers
 * the changes by field id.
 */
export function checkRequest(
  fields: readonly CustomField[],
  list: ListRow,
  request: SubscribeRequest,
  read: ValueReader,
): Map<string, unknown> {
  const issues: Issue[] = [];
  if (!isEmail(request.email))
    issues.push({ path: ["email"], message: `${shown(request.email)} is not an email address` });
  for (const key of PROFILE_KEYS) {
    const problem = profileProblem(key, request[key]);
    if (problem !== null) issues.push({ path: [key], message: problem });
  }
  const listFields = fieldsOfList(fields, list.id);
  const values = changesFromTaggedValues(listFields, request.values, read);
  issues.push(...values.issues);
  // Each value against its type now, not only when written: with the other problems at once.
  for (const field of listFields) {
    if (!values.changes.has(field.id)) continue;
    const coerced = coerceValue(field, values.changes.get(field.id));
    if (!coerced.ok)
      issues.push({ path: ["customValues", field.merge_tag], message: coerced.message });
  }
  if (issues.length > 0) throw new Validation(issues);
  return values.changes;
}

/** The upsert's issues (["subscribers", "0", "customValues", <name>]) named as the request is. */
function asRequestIssues(error: Validation, fields: readonly CustomField[]): Validation {
  return new Validation(
    error.issues.map((issue) => {
      const path = issue.path[0] === "subscribers" ? issue.path.slice(2) : issue.path;
      if (path[0] !== "customValues") return { path, message: issue.message };
      const field = fields.find((candidate) => candidate.name === path[1]);
      return { path: ["customValues", field?.merge_tag ?? path[1] ?? ""], message: issue.message };
    }),
  );
}

/** The one subscriber upsert, for one address; its issues named as the request names them. */
async function upsertSubscriber(
  ctx: Context,
  trx: Trx,
  fields: readonly CustomField[],
  request: SubscribeRequest,
  changes: Map<string, unknown>,
  optInIp: string | null | undefined,
): Promise<SubscriberRow> {
  const publicIds = new Map(fields.map((field) => [field.id, field.public_id]));
  try {
    const { subscribers } = await upsertSubscribers(
      ctx,
      [
        {
          email: request.email,
          firstName: request.firstName,
          lastName: request.lastName,
          timezone: request.timezone,
          customValues: [...changes].map(([id, value]) => ({
            fieldId: publicIds.get(id) as string,
            value,
          })),
          ...(optInIp ? { optInIp } : {}),
        },
      ],
      trx,
    );
    return subscribers[0] as SubscriberRow;
  } catch (error) {
    if (error instanceof Validation) throw asRequestIssues(error, fields);
    throw error;
  }
}

/** The subscribe itself, in the caller's transaction. */
export async function subscribeInTransaction(
  ctx: Context,
  trx: Trx,
  list: ListRow,
  request: SubscribeRequest,
  policy: SubscribePolicy,
): Promise<Subscribed> {
  const fields = await loadFields(ctx, trx);
  const changes = checkRequest(fields, list, request, policy.read);
  const subscriber = await upsertSubscriber(ctx, trx, fields, request, changes, policy.optInIp);

  const existing = await trx
    .selectFrom("subscriptions")
    .select(["id", "status"])
    .where("account_id", "=", ctx.account.id)
    .where("list_id", "=", list.id)
    .where("subscriber_id", "=", subscriber.id)
    .forUpdate()
    .executeTakeFirst();
  if (existing?.status === "subscribed" && policy.subscribed === "refuse")
    throw new Conflict("Email address already registered");
  // A new subscription is subscribed; a lapsed one as the policy says; a pending one (made
  // elsewhere) is simply confirmed: the subscribe is the consent it waited for.
  const resubscribe =
    existing !== undefined &&
    (existing.status === "pending" ||
      (existing.status !== "subscribed" && policy.lapsed === "resubscribe"));
  let subscription: SubscriptionRow;
  if (existing === undefined) {
    subscription = await trx
      .insertInto("subscriptions")
      .values({
        account_id: ctx.account.id,
        list_id: list.id,
        subscriber_id: subscriber.id,
        status: "subscribed",
        source: policy.source,
        ...(policy.publicId ? { public_id: policy.publicId } : {}),
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
    subscription = await trx
      .selectFrom("subscriptions")
      .selectAll()
      .where("account_id", "=", ctx.account.id)
      .where("id", "=", existing.id)
      .executeTakeFirstOrThrow();
  }
  return { subscription, subscriber };
}

export function subscribeByEmail(
  ctx: Context,
  list: ListRow,
  request: SubscribeRequest,
  policy: SubscribePolicy,
): Promise<Subscribed> {
  return ctx.db
    .transaction()
    .execute((trx) => subscribeInTransaction(ctx, trx, list, request, policy));
}
