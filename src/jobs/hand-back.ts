import type pg from "pg";

/**
 * The last step of a worker's stop: frees every job its pool still holds (a task that ignored the
 * abort), and makes the jobs it interrupted due now with the attempt they had before, so a stop
 * neither delays them by graphile-worker's backoff nor brings them nearer to giving up.
 * `interrupted` maps job ids to their attempt count before the interrupted run.
 */
export async function handBackJobs(
  pool: pg.Pool,
  poolId: string,
  interrupted: ReadonlyMap<string, number>,
): Promise<string[]> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query("begin");
    const held = await client.query<{ id: string }>(
      "select id::text from graphile_worker.jobs where locked_by = $1",
      [poolId],
    );
    await client.query("select graphile_worker.force_unlock_workers($1::text[])", [[poolId]]);
    // reschedule_jobs leaves a job another worker has locked meanwhile as it is.
    const rescheduled = await client.query<{ id: string }>(
      `select r.id::text
       from unnest($1::bigint[], $2::int[]) as i(id, attempts),
         lateral graphile_worker.reschedule_jobs(array[i.id], run_at => now(),
           attempts => greatest(i.attempts, 0)) as r`,
      [[...interrupted.keys()], [...interrupted.values()]],
    );
    await client.query("commit");
    return [...new Set([...held.rows, ...rescheduled.rows].map((row) => row.id))];
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    client.release(broken);
  }
}
