import { sql } from "kysely";
import type pg from "pg";
import type { DB } from "../../db/database.js";
import type { ImportRow } from "../../db/types.js";
import type { Logger } from "../../log.js";
import type { Queryable } from "../context.js";
import { coerceValue } from "../fields/values.js";
import { publishChange, REALTIME_CHANNEL } from "../realtime/publish.js";
import type { ColumnLayout, ImportField } from "./columns.js";
import { ImportBusy, ImportFailure, ImportInterrupted } from "./failure.js";
import { mergeStaged } from "./merge.js";
import { failedReport, queueMailIn } from "./report.js";
import { stageRows } from "./stage.js";

export interface ImportDeps {
  db: DB;
  pool: pg.Pool;
  log: Logger;
}

export type ImportPhase = "reading" | "saving";

export interface RunImportOptions {
  /** graphile-worker's attempt number and limit: the last attempt marks the import failed. */
  attempt?: number;
  maxAttempts?: number;
  /** Rows read so far; "saving" once every row is read and the one transaction runs. */
  onProgress?: (processed: number, phase: ImportPhase) => void;
  /**
   * Aborted when the process stops: the run gives up at its next batch of rows, or cancels its
   * merge, and throws ImportInterrupted.
   */
  signal?: AbortSignal;
}

const PROGRESS_EVERY = 50_000;
/** First key of the advisory lock an import run holds (the second is the import id). */
const LOCK_SPACE = 0x1a7e;

/**
 * Runs one import to its end: `completed` with counts and per-row errors, or `failed` with the
 * reason when the file cannot be imported. Throws only for transient trouble (database gone,
 * another process running the same import), so that the job is retried; every attempt starts
 * again from the stored file, and only the final transaction writes subscribers.
 */
export async function runImport(
  deps: ImportDeps,
  importId: string,
  options: RunImportOptions = {},
): Promise<ImportRow | null> {
  const found = await findImport(deps.db, importId);
  if (!found || isFinished(found)) return found;

  // A session lock, held on its own connection for the whole run: it dies with the process,
  // so a killed worker's import is free again at once, while a live one is never run twice.
  const lock = await deps.pool.connect();
  let lockBroken = false;
  try {
    const { rows } = await lock.query<{ locked: boolean }>(
      "select pg_try_advisory_lock($1, ($2::bigint % 2147483647)::int) as locked",
      [LOCK_SPACE, importId],
    );
    if (!rows[0].locked) throw new ImportBusy(`import ${importId} is being run by another process`);
    const current = await findImport(deps.db, importId);
    if (!current || isFinished(current)) return current;
    return await execute(deps, lock, current, options);
  } catch (error) {
    if (error instanceof ImportInterrupted) {
      lockBroken = true;
      deps.log.info({ importId }, "import interrupted by a stop");
      throw error;
    }
    if (error instanceof ImportFailure) {
      deps.log.info({ importId, failure: error.message }, "import failed");
      return markFailed(deps.db, importId, error.message);
    }
    if (!(error instanceof ImportBusy)) {
      lockBroken = true;
      // Without attempt numbers (the CLI), the queued job is the retry.
      const attempt = options.attempt ?? 1;
      if (attempt >= (options.maxAttempts ?? Number.POSITIVE_INFINITY)) {
        const reason = error instanceof Error ? error.message : String(error);
        await markFailed(deps.db, importId, `gave up after ${attempt} attempts: ${reason}`).catch(
          () => {},
        );
      }
    }
    throw error;
  } finally {
    if (!lockBroken) {
      await lock
        .query("select pg_advisory_unlock($1, ($2::bigint % 2147483647)::int)", [
          LOCK_SPACE,
          importId,
        ])
        .catch(() => {
          lockBroken = true;
        });
    }
    // A connection in an unknown state is closed rather than reused (closing also frees the lock).
    lock.release(lockBroken);
  }
}

async function execute(
  deps: ImportDeps,
  lock: pg.PoolClient,
  imp: ImportRow,
  options: RunImportOptions,
): Promise<ImportRow> {
  const { db, pool, log } = deps;
  const accountId = imp.account_id;
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable("imports")
      .set({
        status: "running",
        started_at: sql<Date>`coalesce(started_at, now())`,
        processed: 0,
        failure: null,
      })
      .where("account_id", "=", accountId)
      .where("id", "=", imp.id)
      .execute();
    await publishChange(trx, { accountId, topic: "import", id: imp.public_id });
  });
  // What an earlier, interrupted attempt staged.
  await db
    .deleteFrom("import_rows")
    .where("account_id", "=", accountId)
    .where("import_id", "=", imp.id)
    .execute();
  const fields = await importFields(db, accountId, imp.list_id);

  const client = await pool.connect();
  let clientBroken = false;
  // Should this process die mid-merge, Postgres would run the statement to its end before it
  // noticed, holding the rows another worker needs to retry the import; checking the socket every
  // second rolls it back at once (Postgres 14+; older servers refuse the setting, harmlessly).
  await client.query("set client_connection_check_interval = 1000").catch(() => {});
  const started = performance.now();
  try {
    // Progress goes through the lock's connection, in order, never blocking the parse.
    let progress: Promise<unknown> = Promise.resolve();
    const staged = await stageRows({
      pool,
      client,
      accountId,
      importId: imp.id,
      fields,
      columns: imp.row_columns,
      progressEvery: PROGRESS_EVERY,
      onLayout: (layout) => {
        if (layout.standard.email === -1) throw new ImportFailure(noEmailColumn(layout));
      },
      onProgress: (processed) => {
        // Called between batches of rows: the place to give up when the process stops.
        if (options.signal?.aborted) throw new ImportInterrupted();
        // One statement, so the notice leaves with the count it announces (subscriptions).
        progress = progress.then(() =>
          lock.query(
            `with counted as (
               update imports set processed = $3
               where account_id = $1 and id = $2 and status = 'running'
               returning account_id, public_id)
             select pg_notify($4, json_build_object(
               'accountId', account_id::text, 'topic', 'import', 'id', public_id)::text)
             from counted`,
            [accountId, imp.id, processed, REALTIME_CHANNEL],
          ),
        );
        // Awaited once staging ends; a run given up before then (a stop, a bad file) closes the
        // lock's connection under it, and that rejection must not crash the process.
        progress.catch(() => {});
        options.onProgress?.(processed, "reading");
      },
    });
    await progress;
    options.onProgress?.(staged.total, "saving");

    const present = new Set(staged.layout.custom.map(({ field }) => field.id));
    const defaults: Record<string, unknown> = {};
    for (const field of fields) {
      if (present.has(field.id) || field.default_value == null) continue;
      const coerced = coerceValue(field, field.default_value);
      if (coerced.ok && coerced.value !== null) defaults[field.id] = coerced.value;
    }
    const required = fields
      .filter((field) => field.required && field.list_id === null && !(field.id in defaults))
      .map(({ id, name }) => ({ id, name }));

    const staging = performance.now();
    const stopCancelling = await cancelOnAbort(pool, client, options.signal);
    const counts = await mergeStaged(client, {
      accountId,
      importId: imp.id,
      event: {
        publicId: imp.public_id,
        source: imp.source,
        filename: imp.filename,
        sandbox: imp.sandbox,
      },
      listId: imp.list_id,
      updateExisting: imp.update_existing,
      defaults,
      required,
      total: staged.total,
      parseErrors: staged.errors,
      tagIds: imp.tag_ids,
      rowTags: staged.layout.standard.tags !== -1,
      sandbox: imp.sandbox,
      // A sandbox key's import sends nothing out, its report included.
      notify:
        imp.notify_email === null || imp.sandbox
          ? null
          : {
              to: imp.notify_email,
              publicId: imp.public_id,
              source: imp.source,
              filename: imp.filename,
            },
    }).finally(stopCancelling);
    log.info(
      {
        importId: imp.id,
        total: staged.total,
        ...counts,
        stageMs: Math.round(staging - started),
        mergeMs: Math.round(performance.now() - staging),
      },
      "import completed",
    );
    return (await findImport(db, imp.id)) as ImportRow;
  } catch (error) {
    clientBroken = !(error instanceof ImportFailure);
    if (clientBroken && options.signal?.aborted) throw new ImportInterrupted();
    throw error;
  } finally {
    // A cancel sent for a stop may still arrive: it must not hit whoever uses this session next.
    client.release(clientBroken || options.signal?.aborted === true);
  }
}

/**
 * Cancels the statement running on `client` if `signal` aborts: a merge of a big file takes many
 * seconds, longer than a stop may wait; its transaction rolls back and the next run starts again.
 * Returns what ends the watch.
 */
async function cancelOnAbort(
  pool: pg.Pool,
  client: pg.PoolClient,
  signal: AbortSignal | undefined,
): Promise<() => void> {
  if (!signal) return () => {};
  if (signal.aborted) throw new ImportInterrupted();
  const { rows } = await client.query<{ pid: number }>("select pg_backend_pid() as pid");
  const cancel = () => {
    pool.query("select pg_cancel_backend($1)", [rows[0].pid]).catch(() => {});
  };
  signal.addEventListener("abort", cancel, { once: true });
  return () => signal.removeEventListener("abort", cancel);
}

function noEmailColumn(layout: ColumnLayout): string {
  const found = layout.headers.slice(0, 10).map((header) => JSON.stringify(header));
  return `the file has no email column: its first row must be a header naming the columns, with one called "email"${found.length > 0 ? ` (found ${found.join(", ")})` : ""}`;
}

/** Account-wide fields, and those of the import's list. */
function importFields(db: DB, accountId: string, listId: string | null): Promise<ImportField[]> {
  return db
    .selectFrom("custom_fields")
    .select([
      "id",
      "name",
      "type",
      "options",
      "required",
      "default_value",
      "list_id",
      "merge_tag",
      "column_name",
    ])
    .where("account_id", "=", accountId)
    .where((eb) =>
      listId === null
        ? eb("list_id", "is", null)
        : eb.or([eb("list_id", "is", null), eb("list_id", "=", listId)]),
    )
    .orderBy("id")
    .execute();
}

function isFinished(imp: ImportRow): boolean {
  return imp.status === "completed" || imp.status === "failed";
}

async function findImport(db: Queryable, importId: string): Promise<ImportRow | null> {
  const row = await db
    .selectFrom("imports")
    .selectAll()
    .where("id", "=", importId)
    .executeTakeFirst();
  return row ?? null;
}

async function markFailed(db: DB, importId: string, failure: string): Promise<ImportRow | null> {
  // The file is kept no longer than the import needs it; the errors of a failed run are moot.
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("imports")
      .set({ status: "failed", failure, finished_at: new Date() })
      .where("id", "=", importId)
      .where("status", "<>", "completed")
      .returningAll()
      .executeTakeFirst();
    if (!row) return findImport(trx, importId);
    await publishChange(trx, { accountId: row.account_id, topic: "import", id: row.public_id });
    if (row.notify_email !== null && !row.sandbox)
      await queueMailIn(trx, failedReport(row.notify_email, row, failure));
    await trx
      .deleteFrom("import_chunks")
      .where("account_id", "=", row.account_id)
      .where("import_id", "=", row.id)
      .execute();
    await trx
      .deleteFrom("import_rows")
      .where("account_id", "=", row.account_id)
      .where("import_id", "=", row.id)
      .execute();
    return row;
  });
}
