import { sql } from "kysely";
import type { DB } from "../../db/database.js";
import type { Logger } from "../../log.js";
import { DELIVER_WEBHOOK_TASK, type DeliveryPayload } from "./events.js";
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

async function record(
  deps: DeliveryDeps,
  attempt: DeliveryPayload & { accountId: string },
  outcome: SendOutcome,
): Promise<AttemptResult> {
  const { settings } = deps;
  const succeeded = delivered(outcome.status);
  const error = failureOf(outcome);
  return deps.db.transaction().execute(async (trx) => {
    // The failure state moves with the answer: a success clears it; a failure starts it, and a
    // webhook failing for longer than a day is turned off, saying why.
    const webhook = await trx
      .updateTable("webhooks")
      .set((eb) =>
        succeeded
          ? { failing_since: null }
          : {
              failing_since: eb.fn.coalesce("failing_since", sql<Date>`now()`),
              active: sql<boolean>`not coalesce(failing_since < now() - ${settings.disableAfterMs} * interval '1 millisecond', false)`,
              disabled_reason: sql<string | null>`case
                when failing_since < now() - ${settings.disableAfterMs} * interval '1 millisecond'
                then 'disabled: every delivery failed since ' || to_char(failing_since at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ' (last: ' || ${error ?? ""}::text || ')'
                else disabled_reason end`,
            },
      )
      .where("account_id", "=", attempt.accountId)
      .where("id", "=", attempt.webhookId)
      .where("active", "=", true)
      .returning(["active"])
      .executeTakeFirst();
    if (webhook === undefined) {
      // Turned off or deleted while the request ran: its attempt is kept only if it still exists.
      const still = await trx
        .selectFrom("webhooks")
        .select("id")
        .where("account_id", "=", attempt.accountId)
        .where("id", "=", attempt.webhookId)
        .forKeyShare()
        .executeTakeFirst();
      if (!still) return { kind: "skipped", reason: "the webhook was deleted during the attempt" };
    }
    const disabled = !succeeded && webhook !== undefined && !webhook.active;
    const retryInMs =
      succeeded || disabled || webhook === undefined
        ? null
        : nextAttemptDelay(settings, attempt.attempt);
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
        ${JSON.stringify(next)}::json, max_attempts => 1, run_at => ${nextAt}::timestamptz)`.execute(
        trx,
      );
    }
    if (disabled)
      deps.log.warn(
        { webhookId: attempt.webhookId },
        "webhook disabled: its deliveries failed for a day",
      );
    return { kind: "attempted", succeeded, retryInMs, disabled };
  });
}
