import { sql, type Transaction } from "kysely";
import type { DB } from "../../db/database.js";
import type { Database } from "../../db/types.js";
import type { Logger } from "../../log.js";
import { DELIVER_WEBHOOK_TASK, DELIVERY_JOB_ATTEMPTS, type DeliveryPayload } from "./events.js";
import { delivered, nextAttemptDelay } from "./retry.js";
import { type SendOutcome, send } from "./send.js";
import type { WebhookSettings } from "./settings.js";
import {
  DELIVERY_HEADER,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  signatureOf,
  TIMESTAMP_HEADER,
} from "./signing.js";

// One attempt to deliver one event to one webhook (the deliver-webhook job). The attempt, the
// webhook's failure state and the next attempt's job are written in one transaction: a crash
// leaves either all three or none.

export interface DeliveryDeps {
  db: DB;
  log: Logger;
  settings: WebhookSettings;
}

export type AttemptResult =
  | { kind: "skipped"; reason: string }
  | { kind: "attempted"; succeeded: boolean; retryInMs: number | null; disabled: boolean };

/** The delivery's id, the same for every attempt: receivers remember it to drop duplicates. */
export function deliveryIdOf(eventPublicId: string, webhookPublicId: string): string {
  return `${eventPublicId}_${webhookPublicId}`;
}

/** The body of a delivery: the same bytes on every attempt. */
export function deliveryBody(event: {
  public_id: string;
  type: string;
  created_at: Date;
  data: unknown;
}): string {
  return JSON.stringify({
    id: event.public_id,
    type: event.type,
    created_at: event.created_at.toISOString(),
    data: event.data,
  });
}

async function load(db: DB, payload: DeliveryPayload) {
  return db
    .selectFrom("webhooks as w")
    .innerJoin("webhook_events as e", (join) => join.onRef("e.account_id", "=", "w.account_id"))
    .select([
      "w.account_id",
      "w.public_id as webhook_public_id",
      "w.url",
      "w.secret",
      "w.active",
      "e.public_id",
      "e.type",
      "e.data",
      "e.created_at",
    ])
    .where("w.id", "=", payload.webhookId)
    .where("e.id", "=", payload.eventId)
    .executeTakeFirst();
}

export async function attemptDelivery(
  deps: DeliveryDeps,
  payload: DeliveryPayload,
): Promise<AttemptResult> {
  const found = await load(deps.db, payload);
  // Deleted since (the webhook, or its account): nothing to do, nothing to record.
  if (!found) return { kind: "skipped", reason: "the webhook or its event no longer exists" };
  if (!found.active) return { kind: "skipped", reason: "the webhook is not active" };

  const body = deliveryBody(found);
  const timestamp = Math.floor(Date.now() / 1000);
  const outcome = await send({
    url: found.url,
    body,
    timeoutMs: deps.settings.timeoutMs,
    allowPrivate: deps.settings.allowPrivate,
    headers: {
      "content-type": "application/json",
      "user-agent": "botbat-webhooks/1",
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: signatureOf(found.secret, timestamp, body),
      [DELIVERY_HEADER]: deliveryIdOf(found.public_id, found.webhook_public_id),
      [EVENT_HEADER]: found.type,
    },
  });
  return record(deps, { ...payload, accountId: found.account_id }, outcome);
}

function failureOf(outcome: SendOutcome): string | null {
  if (outcome.error !== null) return outcome.error;
  if (delivered(outcome.status)) return null;
  if (outcome.status !== null && outcome.status >= 300 && outcome.status < 400)
    return `answered ${outcome.status}: redirects are not followed`;
  return `answered ${outcome.status}`;
}

/** The failure state after a failed attempt: started, or the webhook turned off after a day. */
function failed(
  trx: Transaction<Database>,
  attempt: Attempt,
  settings: WebhookSettings,
  error: string,
) {
  const stale = sql<boolean>`failing_since < now() - ${settings.disableAfterMs} * interval '1 millisecond'`;
  return trx
    .updateTable("webhooks")
    .set((eb) => ({
      failing_since: eb.fn.coalesce("failing_since", sql<Date>`now()`),
      active: sql<boolean>`not coalesce(${stale}, false)`,
      disabled_reason: sql<string | null>`case when ${stale}
        then 'disabled: every delivery failed since '
          || to_char(failing_since at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
          || ' (last: ' || ${error}::text || ')'
        else disabled_reason end`,
    }))
    .where("account_id", "=", attempt.accountId)
    .where("id", "=", attempt.webhookId)
    .where("active", "=", true)
    .returning(["active"])
    .executeTakeFirst();
}

type Attempt = DeliveryPayload & { accountId: string };

async function record(
  deps: DeliveryDeps,
  attempt: Attempt,
  outcome: SendOutcome,
): Promise<AttemptResult> {
  const { settings } = deps;
  const succeeded = delivered(outcome.status);
  const error = failureOf(outcome);
  try {
    return await deps.db.transaction().execute(async (trx) => {
      let retryInMs: number | null = null;
      let disabled = false;
      if (succeeded) {
        // A success clears the failure state. Only a failing webhook's row is written (and
        // locked): the deliveries of a healthy webhook do not queue behind one another.
        await trx
          .updateTable("webhooks")
          .set({ failing_since: null })
          .where("account_id", "=", attempt.accountId)
          .where("id", "=", attempt.webhookId)
          .where("failing_since", "is not", null)
          .execute();
      } else {
        const webhook = await failed(trx, attempt, settings, error ?? "");
        // Turned off meanwhile (by a client, or by this failure): no retry.
        disabled = webhook !== undefined && !webhook.active;
        if (webhook?.active) retryInMs = nextAttemptDelay(settings, attempt.attempt);
      }
      const nextAt = retryInMs === null ? null : new Date(Date.now() + retryInMs);
      await trx
        .insertInto("webhook_deliveries")
        .values({
          account_id: attempt.accountId,
          webhook_id: attempt.webhookId,
          event_id: attempt.eventId,
          attempt: attempt.attempt,
          status_code: outcome.status,
          succeeded,
          error,
          response_ms: outcome.ms,
          response_body: outcome.body,
          next_attempt_at: nextAt,
        })
        .execute();
      if (nextAt !== null) {
        const next: DeliveryPayload = {
          webhookId: attempt.webhookId,
          eventId: attempt.eventId,
          attempt: attempt.attempt + 1,
        };
        await sql`select graphile_worker.add_job(${DELIVER_WEBHOOK_TASK},
          ${JSON.stringify(next)}::json, max_attempts => ${DELIVERY_JOB_ATTEMPTS}::int, run_at => ${nextAt}::timestamptz)`.execute(
          trx,
        );
      }
      if (disabled)
        deps.log.warn(
          { webhookId: attempt.webhookId },
          "webhook disabled: its deliveries failed for a day",
        );
      const result: AttemptResult = { kind: "attempted", succeeded, retryInMs, disabled };
      return result;
    });
  } catch (caught) {
    // The webhook was deleted while the request ran: its attempts went with it.
    if ((caught as { code?: string }).code === "23503")
      return { kind: "skipped", reason: "the webhook was deleted during the attempt" };
    throw caught;
  }
}
