import { sql } from "kysely";
import type { Jobs } from "../domain/context.js";

/**
 * Adds graphile-worker jobs through the caller's executor: inside a transaction, the job exists
 * only if the change that caused it commits.
 */
export const jobs: Jobs = {
  async add(db, task, payload, options = {}) {
    await sql`select graphile_worker.add_job(
      ${task},
      ${JSON.stringify(payload)}::json,
      max_attempts => ${options.maxAttempts ?? 25}::int,
      run_at => ${options.runAt ?? null}::timestamptz,
      job_key => ${options.jobKey ?? null}::text
    )`.execute(db);
  },
};
