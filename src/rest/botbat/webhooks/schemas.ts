import { z } from "@hono/zod-openapi";
import type { WebhookRow } from "../../../db/types.js";
import { deliveryIdOf } from "../../../domain/webhooks/deliver.js";
import type { DeliveryWithEvent } from "../../../domain/webhooks/deliveries.js";
import { EVENT_TYPES } from "../../../domain/webhooks/events.js";

// The Webhooks API's bodies and answers, for validation and the reference alike. Event names are
// checked by the domain (422 `events[i]`), so that every surface refuses them the same way.

export { idParam } from "../schemas.js";

const url = z.string().max(2048).openapi({
  description:
    "An http(s) URL whose host resolves to public addresses only (no loopback, private, link-local or metadata address).",
  example: "https://example.com/hooks/botbat",
});
const events = z
  .array(z.string())
  .max(50)
  .openapi({ description: `Events to receive: ${EVENT_TYPES.join(", ")}.` });
const description = z.string().max(500).nullable().optional();

export const createBody = z
  .object({ url, events, description, active: z.boolean().optional().default(true) })
  .openapi("WebhookCreate");

export const updateBody = z
  .object({
    url,
    events,
    description,
    active: z.boolean().openapi({
      description: "Turning a disabled webhook on clears its failure state.",
    }),
  })
  .openapi("WebhookUpdate");

export const deliverySchema = z
  .object({
    id: z.string(),
    delivery_id: z
      .string()
      .openapi({ description: "The Botbat-Delivery header: the same on every attempt." }),
    event: z.object({ id: z.string(), type: z.string() }),
    attempt: z.number().int().openapi({ description: "1 for the first attempt." }),
    retry_count: z.number().int().openapi({ description: "attempt - 1." }),
    succeeded: z.boolean(),
    status_code: z.number().int().nullable().openapi({ description: "null: no answer came." }),
    error: z.string().nullable(),
    response_ms: z.number().int(),
    response_body: z
      .string()
      .nullable()
      .openapi({ description: "The first bytes (about 1 KB) of the answer." }),
    next_attempt_at: z.string().nullable().openapi({ description: "When the retry is due." }),
    created_at: z.string(),
  })
  .openapi("WebhookDelivery");

const webhookFields = {
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string().nullable(),
  active: z.boolean(),
  sandbox: z.boolean(),
  failing_since: z
    .string()
    .nullable()
    .openapi({ description: "Since when every delivery failed; null after a success." }),
  disabled_reason: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
};

export const webhookSchema = z.object(webhookFields).openapi("Webhook");

export const webhookDetailSchema = z
  .object({
    ...webhookFields,
    recent_deliveries: z
      .array(deliverySchema)
      .openapi({ description: "The 10 latest attempts, newest first." }),
  })
  .openapi("WebhookDetail");

export const createdWebhookSchema = z
  .object({
    ...webhookFields,
    secret: z
      .string()
      .openapi({ description: "Signs every delivery. Shown in this answer only: keep it." }),
  })
  .openapi("WebhookCreated");

export function webhookOut(row: WebhookRow) {
  return {
    id: row.public_id,
    url: row.url,
    events: row.events,
    description: row.description,
    active: row.active,
    sandbox: row.sandbox,
    failing_since: row.failing_since?.toISOString() ?? null,
    disabled_reason: row.disabled_reason,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function deliveryOut(webhook: WebhookRow, row: DeliveryWithEvent) {
  return {
    id: row.public_id,
    delivery_id: deliveryIdOf(row.event_public_id, webhook.public_id),
    event: { id: row.event_public_id, type: row.event_type },
    attempt: row.attempt,
    retry_count: row.attempt - 1,
    succeeded: row.succeeded,
    status_code: row.status_code,
    error: row.error,
    response_ms: row.response_ms,
    response_body: row.response_body,
    next_attempt_at: row.next_attempt_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}
