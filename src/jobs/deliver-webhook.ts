import type { Task } from "graphile-worker";
import { z } from "zod";
import { attemptDelivery } from "../domain/webhooks/deliver.js";
import { webhookSettings } from "../domain/webhooks/settings.js";
import type { WorkerDeps } from "./deps.js";

const payloadSchema = z.object({
  webhookId: z.string().regex(/^\d+$/),
  eventId: z.string().regex(/^\d+$/),
  attempt: z.number().int().min(1),
});

/**
 * One attempt to deliver an event to a webhook. Its job runs once: a failed attempt schedules the
 * next itself (attemptDelivery), on the webhooks' own schedule of hours, not graphile-worker's.
 */
export function deliverWebhookTask(deps: WorkerDeps): Task {
  return async (payload) => {
    const parsed = payloadSchema.parse(payload);
    const settings = deps.webhooks ?? webhookSettings();
    const result = await attemptDelivery({ db: deps.db, log: deps.log, settings }, parsed);
    if (result.kind === "skipped")
      deps.log.debug({ webhookId: parsed.webhookId, reason: result.reason }, "delivery skipped");
  };
}
