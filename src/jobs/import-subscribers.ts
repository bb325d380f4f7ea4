import type { Task } from "graphile-worker";
import { runImport } from "../domain/imports/run.js";
import type { WorkerDeps } from "./deps.js";

/** Payload `{ importId }` (internal id), added by `createImport` with the file it reads. */
export function importSubscribersTask(deps: WorkerDeps): Task {
  return async (payload, helpers) => {
    const importId = (payload as { importId?: unknown } | null)?.importId;
    if (typeof importId !== "string" || !/^\d+$/.test(importId)) {
      // A malformed job can never succeed: log it and let it go rather than retry it.
      helpers.logger.error(
        `import-subscribers job without a valid importId: ${JSON.stringify(payload)}`,
      );
      return;
    }
    await runImport(deps, importId, {
      attempt: helpers.job.attempts,
      maxAttempts: helpers.job.max_attempts,
      signal: helpers.abortSignal,
    });
  };
}
