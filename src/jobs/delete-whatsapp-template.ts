import type { Task } from "graphile-worker";
import { z } from "zod";
import { templateSettings } from "../domain/templates/settings.js";
import { deleteAtWhatsApp } from "../domain/templates/whatsapp-delete.js";
import type { WorkerDeps } from "./deps.js";

// WhatsApp's copy of a template deleted here (src/domain/templates/templates.ts). No answer, 429
// or 5xx throws, so graphile-worker tries again with its backoff; a refusal ends the job with
// WhatsApp's reason in the log, since asking again would be refused again.

const payloadSchema = z.object({
  providerTemplateId: z.string().min(1),
  name: z.string().min(1),
  templateId: z.string(),
});

export function deleteWhatsAppTemplateTask(deps: WorkerDeps): Task {
  return async (payload) => {
    const deletion = payloadSchema.parse(payload);
    const api = templateSettings().whatsapp;
    const about = {
      template: deletion.templateId,
      providerTemplateId: deletion.providerTemplateId,
    };
    if (!api) {
      // Configured when it was deleted, not now: nothing can reach WhatsApp.
      deps.log.warn(about, "WhatsApp is not configured: the template stays at WhatsApp");
      return;
    }
    const answer = await deleteAtWhatsApp(api, deletion);
    if (answer.kind === "failed") throw new Error(answer.reason);
    if (answer.kind === "refused")
      deps.log.warn({ ...about, reason: answer.reason }, "WhatsApp refused to delete the template");
  };
}
