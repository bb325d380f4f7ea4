import {
  type Runner,
  run,
  runMigrations,
  type TaskList,
  Logger as WorkerLogger,
} from "graphile-worker";
import type pg from "pg";
import type { DB } from "../db/database.js";
import type { Logger } from "../log.js";
import type { Mailer } from "../mail/mailer.js";
import { createTaskList } from "./tasks.js";

export interface WorkerDeps {
  db: DB;
  pool: pg.Pool;
  log: Logger;
  mailer: Mailer;
}

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

export async function startWorker(
  deps: WorkerDeps,
  options: { concurrency?: number; tasks?: TaskList } = {},
): Promise<Runner> {
  return run({
    pgPool: deps.pool,
    concurrency: options.concurrency ?? 2,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: workerLogger(deps.log),
    taskList: options.tasks ?? createTaskList(deps),
  });
}
