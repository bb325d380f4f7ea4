import { sql } from "kysely";
import type { SubscriptionStatus } from "../../db/types.js";
import type { Context } from "../context.js";
import { subscriberOfEach } from "./subscriptions.js";

// A list's subscriptions exported whole: every status but pending (a pending subscription is no
// member yet), by email descending (any case), streamed in batches so that a list of any size
// never sits in memory.

export interface ExportedMember {
  id: string;
  public_id: string;
  email: string;
  opt_in_ip: string | null;
  opt_in_country: string | null;
  timezone: string | null;
  status: SubscriptionStatus;
  status_changed_at: Date;
  created_at: Date;
  first_name: string | null;
  last_name: string | null;
  custom_values: Record<string, unknown>;
}

const BATCH = 500;

function exported(ctx: Context, listId: string) {
  return ctx.db
    .selectFrom("subscriptions")
    .innerJoinLateral(
      (eb) => subscriberOfEach(eb).as("subscribers"),
      (join) => join.onRef("subscribers.account_id", "=", "subscriptions.account_id"),
    )
    .where("subscriptions.account_id", "=", ctx.account.id)
    .where("subscriptions.list_id", "=", listId)
    .where("subscriptions.status", "<>", "pending");
}

export async function countExported(ctx: Context, listId: string): Promise<number> {
  const { count } = await exported(ctx, listId)
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(count);
}

/** Rows from `start`, at most `limit` (null: to the end), read through a server-side cursor. */
export function streamExported(
  ctx: Context,
  listId: string,
  options: { start: number; limit: number | null },
): AsyncIterableIterator<ExportedMember> {
  let query = exported(ctx, listId)
    .select([
      "subscriptions.id",
      "subscriptions.public_id",
      "subscribers.email",
      "subscribers.opt_in_ip",
      "subscribers.opt_in_country",
      "subscribers.timezone",
      "subscriptions.status",
      "subscriptions.status_changed_at",
      "subscriptions.created_at",
      "subscribers.first_name",
      "subscribers.last_name",
      "subscribers.custom_values",
    ])
    .orderBy(sql`lower(subscribers.email)`, "desc")
    .orderBy("subscriptions.id", "desc")
    .offset(options.start);
  if (options.limit !== null) query = query.limit(options.limit);
  return query.stream(BATCH);
}
