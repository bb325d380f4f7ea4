import type { Task } from "graphile-worker";
import { z } from "zod";
import { approveSandboxTemplate, sendSubmission } from "../domain/templates/submit.js";
import type { WorkerDeps } from "./deps.js";
import { jobs } from "./queue.js";

// The two ways a submitted WhatsApp template is reviewed (src/domain/templates/submit.ts): sent to
// the Cloud API, or approved by the sandbox once its delay has passed.

const payloadSchema = z.object({
  templateId: z.string().regex(/^\d+$/),
  submittedAt: z.iso.datetime(),
});

export function submitTemplateTask(deps: WorkerDeps): Task {
  return async (payload, helpers) => {
    const parsed = payloadSchema.parse(payload);
    const lastTry = helpers.job.attempts >= helpers.job.max_attempts;
    await sendSubmission(deps.db, jobs, parsed, lastTry);
  };
}

export function approveSandboxTemplateTask(deps: WorkerDeps): Task {
  return async (payload) => {
    await approveSandboxTemplate(deps.db, jobs, payloadSchema.parse(payload));
  };
}
