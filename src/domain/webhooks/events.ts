import { sql } from "kysely";
import { type Context, isSandbox, type Queryable } from "../context.js";

// Events the product emits for webhooks. An event is written, and one delivery job per webhook
// that listens is added, through the caller's executor: inside the transaction of the change, so
// there is no lost event (the change committed, the event did not) and no phantom one (the
// event left, the change rolled back). With no webhook listening, an event costs one statement
// that writes nothing.

export const EVENT_TYPES = [
  "contact.created",
  "contact.updated",
  "contact.deleted",
  "import.completed",
  "message.sent",
  "message.delivered",
  "message.read",
  "message.failed",
  "message.received",
  "conversation.created",
  "conversation.assigned",
  "conversation.resolved",
  "campaign.status_changed",
  "template.status_changed",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const DELIVER_WEBHOOK_TASK = "deliver-webhook";

/**
 * graphile-worker's tries of one delivery attempt. A job that recorded its attempt (success or
 * failure) ends there; one that threw before recording (the database unreachable) is tried again,
 * so a receiver may see that attempt twice, with the same Botbat-Delivery id.
 */
export const DELIVERY_JOB_ATTEMPTS = 3;

/** What a delivery job carries: the webhook, the event, and which attempt this is (1 = first). */
export interface DeliveryPayload {
  webhookId: string;
  eventId: string;
  attempt: number;
}

/**
 * Who an event belongs to. A request's context is one; a job (a message's status reported by the
 * provider, a campaign's fan-out) names the account and whether the resource is sandbox.
 */
export type EventSource = Pick<Context, "jobs"> & {
  account: Pick<Context["account"], "id">;
  key?: Context["key"];
  /** Overrides the key's flag: a job emits for the sandbox resource it works on. */
  sandbox?: boolean;
};

/** Emits `type` once per item of `data` (a batch write emits all of its events at once). */
export async function emitEvents(
  db: Queryable,
  ctx: EventSource,
  type: EventType,
  data: readonly Record<string, unknown>[],
): Promise<void> {
  if (data.length === 0) return;
  const sandbox = ctx.sandbox ?? isSandbox({ key: ctx.key ?? null });
  // Events are kept only when a webhook listens; each is paired with every such webhook.
  const { rows } = await sql<{ webhook_id: string; event_id: string }>`
    with listening as (
      select id from webhooks
      where account_id = ${ctx.account.id} and active and sandbox = ${sandbox}
        and ${type} = any(events)
    ), event as (
      insert into webhook_events (account_id, type, data, sandbox)
      select ${ctx.account.id}, ${type}, item, ${sandbox}
      from jsonb_array_elements(${JSON.stringify(data)}::jsonb) as item
      where exists (select from listening)
      returning id
    )
    select listening.id as webhook_id, event.id as event_id from event cross join listening
  `.execute(db);
  const payloads: DeliveryPayload[] = rows.map((row) => ({
    webhookId: row.webhook_id,
    eventId: row.event_id,
    attempt: 1,
  }));
  // Retries are the delivery's own (its backoff spans hours): graphile-worker's attempts only
  // cover a job that could not record its attempt (the database was unreachable).
  await ctx.jobs.addMany(
    db,
    DELIVER_WEBHOOK_TASK,
    payloads as unknown as Record<string, unknown>[],
    { maxAttempts: DELIVERY_JOB_ATTEMPTS },
  );
}

/** emitEvents for one event. */
export function emitEvent(
  db: Queryable,
  ctx: EventSource,
  type: EventType,
  data: Record<string, unknown>,
): Promise<void> {
  return emitEvents(db, ctx, type, [data]);
}
