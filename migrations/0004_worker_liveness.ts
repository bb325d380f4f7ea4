import { type Kysely, sql } from "kysely";

// Job workers that prove they are alive. A worker pool inserts its row and takes the session
// advisory lock (LIVENESS_LOCK_SPACE, lock_key) in one transaction, and holds that lock on a
// connection of its own for as long as it runs: a row whose lock nobody holds belongs to a pool
// that is gone, and the jobs it had locked are freed (src/jobs/liveness.ts).

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table job_workers (
      -- graphile-worker's pool id: what graphile_worker.jobs.locked_by holds for its jobs.
      id text primary key,
      -- The second key of the pool's advisory lock; an identity, so no two pools share one.
      lock_key integer generated always as identity unique,
      host text not null,
      pid integer not null,
      started_at timestamptz not null default now()
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table job_workers`.execute(db);
}
