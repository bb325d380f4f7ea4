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
  async addMany(db, task, payloads, options = {}) {
    if (payloads.length === 0) return;
    const specs = payloads.map((payload) => ({
      identifier: task,
      payload,
      max_attempts: options.maxAttempts ?? 25,
    }));
    await sql`select from graphile_worker.add_jobs(array(
      select json_populate_recordset(null::graphile_worker.job_spec, ${JSON.stringify(specs)}::json)
    ))`.execute(db);
  },
};
