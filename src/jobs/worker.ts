import { EventEmitter } from "node:events";
import {
  type Runner,
  run,
  runMigrations,
  type TaskList,
  type WorkerEvents,
  Logger as WorkerLogger,
} from "graphile-worker";
import type pg from "pg";
import type { Logger } from "../log.js";
import type { WorkerDeps } from "./deps.js";
import { handBackJobs } from "./hand-back.js";
import { claimLiveness, freeJobsOfGoneWorkers, type LivenessClaim } from "./liveness.js";
import { createTaskList } from "./tasks.js";

export type { WorkerDeps } from "./deps.js";

/** How often each worker looks for jobs of workers that are gone (also once at start). */
export const SWEEP_EVERY_MS = 5_000;
/** How long a stop waits for running tasks to give up before their jobs are freed anyway. */
export const HAND_BACK_MS = 8_000;
/** Pause before a worker that lost its proof of life starts a new pool. */
const RESTART_DELAY_MS = 2_000;

/**
 * graphile-worker hands the whole job (its payload: a confirmation link, a report's address…) to
 * the logger with every failure; logs keep its ids only.
 */
function withoutPayloads(meta: Record<string, unknown> | undefined): Record<string, unknown> {
  const { job, payload: _payload, error, ...rest } = meta ?? {};
  const safe: Record<string, unknown> = { ...rest };
  if (typeof job === "object" && job !== null) {
    const { id, task_identifier, attempts, max_attempts } = job as Record<string, unknown>;
    safe.job = { id, task_identifier, attempts, max_attempts };
  }
  if (error !== undefined) safe.err = error;
  return safe;
}

function workerLogger(log: Logger): WorkerLogger {
  return new WorkerLogger((scope) => (level, message, meta) => {
    const method = level === "warning" ? "warn" : level === "error" ? "error" : "debug";
    log[method]({ worker: scope, ...withoutPayloads(meta) }, message);
  });
}

/** Creates graphile-worker's own schema (idempotent). */
export async function installJobQueue(pool: pg.Pool, log: Logger): Promise<void> {
  await runMigrations({ pgPool: pool, logger: workerLogger(log) });
}

/** Jobs a stop cut short: those that end with an error once the stop has begun. */
interface Interruptions {
  stopping: boolean;
  /** Attempt count of each such job before this run, by job id. */
  jobs: Map<string, number>;
}

/** One graphile-worker pool with its proof of life. */
interface LivePool {
  runner: Runner;
  claim: LivenessClaim;
  interruptions: Interruptions;
  handingBack: Promise<void> | null;
}

async function startPool(deps: WorkerDeps, tasks: TaskList, concurrency: number) {
  const events = new EventEmitter() as WorkerEvents;
  let claiming: Promise<LivenessClaim> | null = null;
  let claimed = false;
  let lost = false;
  events.on("pool:create", ({ workerPool }) => {
    claiming = claimLiveness(deps.pool, workerPool.id);
    claiming.then(
      (claim) => {
        claimed = true;
        void claim.lost.then(() => (lost = true));
      },
      () => {},
    );
  });
  const interruptions: Interruptions = { stopping: false, jobs: new Map() };
  events.on("job:error", ({ job }) => {
    if (interruptions.stopping) interruptions.jobs.set(job.id, job.attempts - 1);
  });
  const runner = await run({
    pgPool: deps.pool,
    concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: workerLogger(deps.log),
    taskList: tasks,
    events,
    // The workers lock no job before the pool's proof of life exists, or a sweep elsewhere could
    // take that job for the job of a dead pool; nor once that proof is lost (the pool is stopping).
    forbiddenFlags: () => {
      if (lost) return Promise.reject(new Error("this worker lost its proof of life"));
      if (claimed) return null;
      return (claiming ?? Promise.reject(new Error("no worker pool yet"))).then(() => null);
    },
    // A stop aborts running tasks at once (helpers.abortSignal): an import checks it between
    // batches and hands its job back rather than keep the process alive until it ends.
    gracefulShutdownAbortTimeout: 0,
  });
  try {
    if (!claiming) throw new Error("graphile-worker started without creating a worker pool");
    const claim = await (claiming as Promise<LivenessClaim>);
    const live: LivePool = { runner, claim, interruptions, handingBack: null };
    return live;
  } catch (error) {
    await runner.stop().catch(() => {});
    throw error;
  }
}

/**
 * Stops a pool's runner, which aborts its tasks; then frees whatever it still holds and gives the
 * interrupted jobs their attempt back, due now, so they resume here or in another process.
 */
function handBack(deps: WorkerDeps, live: LivePool): Promise<void> {
  live.handingBack ??= (async () => {
    live.interruptions.stopping = true;
    const stopped = live.runner
      .stop()
      .then(() => true)
      .catch((error: unknown) => {
        deps.log.error({ err: error }, "stopping the job runner failed");
        return true;
      });
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      stopped,
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), HAND_BACK_MS))),
    ]);
    clearTimeout(timer);
    if (!inTime) {
      deps.log.warn(
        { pool: live.claim.poolId, waitedMs: HAND_BACK_MS },
        "running jobs did not stop in time: their jobs are freed for other workers",
      );
    }
    try {
      const jobs = await handBackJobs(deps.pool, live.claim.poolId, live.interruptions.jobs);
      if (jobs.length > 0) deps.log.info({ jobs }, "interrupted jobs handed back");
    } catch (error) {
      // Once the lock below is gone, another worker's sweep frees them.
      deps.log.error({ err: error }, "handing jobs back failed");
    }
    await live.claim.release();
  })();
  return live.handingBack;
}

async function sweep(deps: WorkerDeps): Promise<void> {
  try {
    const freed = await freeJobsOfGoneWorkers(deps.pool);
    if (freed.workers.length > 0) {
      deps.log.warn(
        { workers: freed.workers, jobs: freed.jobs },
        "freed the jobs of workers that are gone",
      );
    }
  } catch (error) {
    deps.log.warn({ err: error }, "looking for jobs of workers that are gone failed");
  }
}

/**
 * Runs the tasks on graphile-worker, as a Runner whose `stop` hands running jobs back promptly.
 * The pool proves it is alive (liveness.ts) and, at start and every few seconds, frees the jobs
 * of pools that are gone; should it lose its own proof, it hands its jobs back and starts anew.
 */
export async function startWorker(
  deps: WorkerDeps,
  options: { concurrency?: number; tasks?: TaskList } = {},
): Promise<Runner> {
  const tasks = options.tasks ?? createTaskList(deps);
  const concurrency = options.concurrency ?? 2;
  // At start: a server restarted after a crash frees its predecessor's jobs before its first poll.
  await sweep(deps);
  let current = await startPool(deps, tasks, concurrency);
  let stopping = false;
  let restarting: Promise<void> = Promise.resolve();

  const watch = (live: LivePool) => {
    void live.claim.lost.then((error) => {
      if (stopping || live !== current) return;
      deps.log.error({ err: error }, "the worker lost its proof of life: restarting it");
      restarting = (async () => {
        await handBack(deps, live);
        while (!stopping) {
          await new Promise((resolve) => setTimeout(resolve, RESTART_DELAY_MS));
          if (stopping) return;
          try {
            current = await startPool(deps, tasks, concurrency);
            watch(current);
            return;
          } catch (restartError) {
            deps.log.error({ err: restartError }, "restarting the worker failed");
          }
        }
      })();
    });
  };
  watch(current);

  let sweepTimer: NodeJS.Timeout | undefined;
  const scheduleSweep = () => {
    // Spread so that many workers do not sweep in step.
    const delay = SWEEP_EVERY_MS * (0.8 + 0.4 * Math.random());
    sweepTimer = setTimeout(() => {
      void sweep(deps).finally(() => {
        if (!stopping) scheduleSweep();
      });
    }, delay);
    sweepTimer.unref();
  };
  scheduleSweep();

  let finished: () => void = () => {};
  const promise = new Promise<void>((resolve) => (finished = resolve));
  let stopped: Promise<void> | null = null;
  const stop = () => {
    stopped ??= (async () => {
      stopping = true;
      clearTimeout(sweepTimer);
      await restarting;
      await handBack(deps, current);
      finished();
    })();
    return stopped;
  };
  return {
    stop,
    kill: stop,
    addJob: ((...args: Parameters<Runner["addJob"]>) =>
      current.runner.addJob(...args)) as Runner["addJob"],
    get events() {
      return current.runner.events;
    },
    promise,
  };
}
