import type { Runner, Task } from "graphile-worker";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { jobs } from "../../src/jobs/queue.js";
import { SWEEP_EVERY_MS, startWorker } from "../../src/jobs/worker.js";
import { createLogger } from "../../src/log.js";
import { createMailer } from "../../src/mail/mailer.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { until } from "../helpers/process.js";

// The other side of crash recovery: a worker that is alive never loses its jobs to another
// worker's sweep, however long a job takes, and a worker whose proof of life breaks starts a new
// one and goes on working.

const log = createLogger(process.env.TEST_LOG_LEVEL ?? "silent");

let database: TestDatabase;
const runners: Runner[] = [];
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  for (const runner of runners) await runner.stop();
  await database?.drop();
});

/** A task that runs until released, counting its runs. */
function slowTask() {
  const state = { runs: 0, release: () => {} };
  const released = new Promise<void>((resolve) => (state.release = resolve));
  const task: Task = async () => {
    state.runs++;
    await released;
  };
  return { state, task };
}

async function worker(task: Task): Promise<Runner> {
  const runner = await startWorker(
    { db: database.db, pool: database.pool, log, mailer: createMailer(undefined, "t@x", log) },
    { tasks: { slow: task } },
  );
  runners.push(runner);
  return runner;
}

async function slowJob() {
  const { rows } = await sql<{ locked_by: string | null }>`
    select locked_by from graphile_worker.jobs where task_identifier = 'slow'`.execute(database.db);
  return rows[0] ?? null;
}

const first = slowTask();
const second = slowTask();

it("never frees the job of a live worker, however long it runs", async () => {
  await worker(first.task);
  await jobs.add(database.db, "slow", {});
  await until(
    "the first worker to start the job",
    async () => (first.state.runs > 0 ? true : null),
    60_000,
  );
  const owner = (await slowJob())?.locked_by;
  expect(owner).toEqual(expect.any(String));

  // Another worker sweeps at its start and every few seconds; three sweeps must leave it alone.
  await worker(second.task);
  await new Promise((resolve) => setTimeout(resolve, 3 * SWEEP_EVERY_MS * 1.2));
  expect((await slowJob())?.locked_by).toBe(owner);
  expect(second.state.runs).toBe(0);

  first.state.release();
  await until(
    "the job to complete",
    async () => ((await slowJob()) === null ? true : null),
    60_000,
  );
  expect([first.state.runs, second.state.runs]).toEqual([1, 0]);
}, 120_000);

it("starts a new pool when its proof of life breaks, and goes on running jobs", async () => {
  const { rows: before } = await sql<{ id: string; lock_key: number }>`
    select id, lock_key from job_workers order by started_at`.execute(database.db);
  expect(before.length).toBeGreaterThan(0);
  // Cut every worker's lock connection, as a network blip or a restarted server would.
  await sql`select pg_terminate_backend(l.pid) from pg_locks l
    where l.locktype = 'advisory' and l.classid = ${0x1a7f}
      and l.database = (select oid from pg_database where datname = current_database())`.execute(
    database.db,
  );
  await until(
    "new pools to register",
    async () => {
      const { rows } = await sql<{ id: string }>`select id from job_workers`.execute(database.db);
      const fresh = rows.filter((row) => !before.some((old) => old.id === row.id));
      return fresh.length === before.length ? true : null;
    },
    60_000,
  );

  second.state.release();
  await jobs.add(database.db, "slow", {});
  await until("the job to run", async () => ((await slowJob()) === null ? true : null), 60_000);
  expect(first.state.runs + second.state.runs).toBe(2);
}, 120_000);
