import type { Task } from "graphile-worker";
import { z } from "zod";
import type { WorkerDeps } from "./deps.js";

const payloadSchema = z.object({
  to: z.string().min(1),
  subject: z.string(),
  text: z.string(),
  html: z.string().optional(),
});

/** Sends one queued mail; a failure is retried by graphile-worker with backoff. */
export function sendMailTask(deps: WorkerDeps): Task {
  return async (payload) => {
    await deps.mailer.send(payloadSchema.parse(payload));
  };
}
