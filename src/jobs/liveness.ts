import { hostname } from "node:os";
import type pg from "pg";

// A worker pool proves it is alive with a session advisory lock that Postgres shows to every
// other session (pg_locks), held on a connection of its own for as long as the pool runs. The
// proof is exact: Postgres drops the lock when that session ends (the process died, or its host
// vanished and TCP keepalives gave up), never because the process was slow. A pool that is gone
// leaves its row in job_workers without the lock; any worker then frees the jobs it had locked.

/** First key of the liveness locks (the second is job_workers.lock_key); imports use 0x1a7e. */
export const LIVENESS_LOCK_SPACE = 0x1a7f;

/**
 * Server-side TCP keepalives of the liveness session: a worker host that vanishes without closing
 * its connection (power cut, network gone) is seen gone after about idle + interval × count.
 */
const KEEPALIVE = { idle: 10, interval: 5, count: 4 };

export interface LivenessClaim {
  poolId: string;
  /** Resolves if the proof is lost while the pool runs (its connection broke). */
  lost: Promise<Error>;
  /** Deletes the pool's row and ends its lock; its jobs must have been handed back first. */
  release: () => Promise<void>;
}

/** Registers a pool and takes its lock, in one transaction: its row is never seen unlocked. */
export async function claimLiveness(pool: pg.Pool, poolId: string): Promise<LivenessClaim> {
  const client = await pool.connect();
  try {
    await client.query(
      `set tcp_keepalives_idle = ${KEEPALIVE.idle}; set tcp_keepalives_interval = ${KEEPALIVE.interval};
       set tcp_keepalives_count = ${KEEPALIVE.count}; set idle_session_timeout = 0`,
    );
    await client.query("begin");
    const { rows } = await client.query<{ lock_key: number }>(
      "insert into job_workers (id, host, pid) values ($1, $2, $3) returning lock_key",
      [poolId, hostname(), process.pid],
    );
    await client.query("select pg_advisory_lock($1, $2)", [LIVENESS_LOCK_SPACE, rows[0].lock_key]);
    await client.query("commit");
  } catch (error) {
    // Closing the session also drops a lock taken before the failure.
    client.release(true);
    throw error;
  }

  let released = false;
  const lost = new Promise<Error>((resolve) => {
    client.on("error", (error) => {
      if (!released) resolve(error);
    });
    client.on("end", () => {
      if (!released) resolve(new Error("the liveness connection closed"));
    });
  });
  return {
    poolId,
    lost,
    release: async () => {
      released = true;
      try {
        await client.query("delete from job_workers where id = $1", [poolId]);
      } catch {
        // Left for the next sweep: without its lock the row reads as a pool that is gone.
      } finally {
        // Closing the session ends the lock.
        client.release(true);
      }
    },
  };
}

export interface FreedJobs {
  /** Pools found gone (their rows are deleted). */
  workers: string[];
  /** Jobs they had locked, now free to run again. */
  jobs: { id: string; task: string }[];
}

/**
 * Frees the jobs of every registered pool whose lock nobody holds, with graphile-worker's
 * `force_unlock_workers`. Pools that never registered (other programs on the same queue) are left
 * to graphile-worker's own four-hour rule, since nothing here can tell whether they are alive.
 */
export async function freeJobsOfGoneWorkers(pool: pg.Pool): Promise<FreedJobs> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query("begin");
    // pg_locks lists every database of the server: only this database's locks prove anything.
    const gone = await client.query<{ id: string }>(
      `delete from job_workers w
       where not exists (
         select 1 from pg_locks l
         where l.locktype = 'advisory' and l.granted
           and l.database = (select oid from pg_database where datname = current_database())
           and l.classid = $1 and l.objid = w.lock_key::oid and l.objsubid = 2
       )
       returning w.id`,
      [LIVENESS_LOCK_SPACE],
    );
    const workers = gone.rows.map((row) => row.id);
    if (workers.length === 0) {
      await client.query("commit");
      return { workers, jobs: [] };
    }
    const jobs = await client.query<{ id: string; task: string }>(
      `select id::text, task_identifier as task from graphile_worker.jobs
       where locked_by = any($1::text[]) order by id`,
      [workers],
    );
    await client.query("select graphile_worker.force_unlock_workers($1::text[])", [workers]);
    await client.query("commit");
    return { workers, jobs: jobs.rows };
  } catch (error) {
    broken = true;
    throw error;
  } finally {
    client.release(broken);
  }
}
