import type { Task } from "graphile-worker";
import { z } from "zod";
import { fanOutStep, finishStep } from "../domain/campaigns/fan-out.js";
import type { WorkerDeps } from "./deps.js";
import { jobs } from "./queue.js";

const payloadSchema = z.object({
  accountId: z.string().regex(/^\d+$/),
  campaignId: z.string().regex(/^\d+$/),
  /** The completion check's how-many-th look (its backoff). */
  attempt: z.number().int().min(0).optional(),
});

/**
 * A campaign's whole fan-out, one window per transaction. A stop (helpers.abortSignal) ends it
 * between windows with an error, so graphile-worker keeps the job and it resumes after the last
 * window committed, here or in another worker.
 */
export function campaignFanOutTask(deps: WorkerDeps): Task {
  return async (payload, helpers) => {
    const parsed = payloadSchema.parse(payload);
    for (;;) {
      if (helpers.abortSignal?.aborted) throw new Error("the worker is stopping: resumed later");
      const step = await fanOutStep({ db: deps.db, jobs }, parsed);
      if (step !== "more") return;
    }
  };
}

/** Marks a sending campaign completed once its audience is done and nothing is queued. */
export function campaignFinishTask(deps: WorkerDeps): Task {
  return async (payload) => {
    const parsed = payloadSchema.parse(payload);
    await finishStep({ db: deps.db, jobs }, parsed, parsed.attempt ?? 0);
  };
}
