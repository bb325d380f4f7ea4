import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import cliProgress from "cli-progress";
import type { ImportRow } from "../db/types.js";
import { findAccountBySid } from "../domain/accounts/accounts.js";
import { NotFound } from "../domain/errors.js";
import { importInProcess } from "../domain/imports/in-process.js";
import { type ImportErrorRow, listImportErrors } from "../domain/imports/queries.js";
import { decodeGlobalIdOf, globalIdOf } from "../global-ids.js";
import { jobs } from "../jobs/queue.js";
import type { Output } from "./output.js";
import type { ImportInput } from "./parse.js";
import type { Runtime } from "./runtime.js";

const ERRORS_SHOWN = 100;

/** Checked before the database is opened, so a typo in the path fails fast. */
export async function checkImportFile(file: string): Promise<void> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new Error(
      `cannot read ${file}: ${error.code === "ENOENT" ? "no such file" : error.message}`,
    );
  });
  if (!info.isFile()) throw new Error(`cannot read ${file}: not a file`);
}

/**
 * Runs the import in this process with a progress bar on a terminal. Exit code 0 when the import
 * completed (rows with errors included), 1 when it failed.
 */
export async function importFile(
  runtime: Runtime,
  input: ImportInput,
  out: Output,
): Promise<number> {
  const account = await findAccountBySid(runtime.db, input.account);
  const ctx = { db: runtime.db, account, key: null, jobs, log: runtime.log };
  const bar =
    !out.json && process.stderr.isTTY
      ? new cliProgress.SingleBar(
          {
            format: "{phase} {bar} {percentage}% | {value}/{total} rows | {duration_formatted}",
            hideCursor: true,
            etaBuffer: 20,
          },
          cliProgress.Presets.shades_classic,
        )
      : null;
  // A list's public id, or its GraphQL global id as GraphiQL shows it.
  const listId = input.list
    ? (decodeGlobalIdOf(input.list, "List") ?? input.list.toLowerCase())
    : null;
  let total = 0;
  let createdId: string | null = null;
  let finished: ImportRow;
  try {
    finished = await importInProcess(
      runtime,
      ctx,
      {
        source: "cli",
        filename: path.basename(input.file),
        listId,
        updateExisting: input.updateExisting,
        content: createReadStream(input.file),
      },
      {
        onCreated: (created) => {
          createdId = importIdOf(created);
          total = created.total;
          out.note(`Import ${createdId}: ${total} rows to read.`);
          bar?.start(Math.max(total, 1), 0, { phase: "reading" });
        },
        onProgress: (processed, phase) => {
          if (processed > total || phase === "saving") {
            total = processed;
            bar?.setTotal(Math.max(total, 1));
          }
          bar?.update(processed, { phase: phase === "saving" ? "saving " : "reading" });
        },
      },
    );
  } catch (error) {
    // The list as the user typed it, not as it was looked up.
    if (error instanceof NotFound && error.resource === "List" && input.list)
      throw new NotFound("List", input.list);
    if (createdId === null) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${reason} (import ${createdId} stays queued: a worker will retry it)`);
  } finally {
    bar?.stop();
  }

  const errors = (
    await listImportErrors(ctx, [finished.id], { limit: ERRORS_SHOWN, backward: false })
  ).get(finished.id) as ImportErrorRow[];
  out.result({ import: importJson(finished, errors) }, () => summary(finished, errors));
  return finished.status === "completed" ? 0 : 1;
}

/** GraphQL's vocabulary: the Import's global id, its status as the ImportStatus enum names it. */
function importIdOf(row: ImportRow): string {
  return globalIdOf("Import", row.public_id);
}

function importJson(row: ImportRow, errors: ImportErrorRow[]) {
  return {
    id: importIdOf(row),
    status: row.status.toUpperCase(),
    source: row.source,
    filename: row.filename,
    total: row.total,
    created: row.created,
    updated: row.updated,
    invalid: row.invalid,
    processed: row.processed,
    failure: row.failure,
    createdAt: row.created_at.toISOString(),
    startedAt: row.started_at?.toISOString() ?? null,
    finishedAt: row.finished_at?.toISOString() ?? null,
    /** The first rows that were not imported (all of them: GraphQL's Import.errors). */
    errors: errors.map((error) => ({
      row: error.row_number,
      email: error.email,
      message: error.message,
    })),
  };
}

function summary(row: ImportRow, errors: ImportErrorRow[]): string {
  if (row.status !== "completed")
    return `Import ${importIdOf(row)} failed: ${row.failure ?? row.status}`;
  const seconds =
    row.started_at && row.finished_at
      ? ` in ${((row.finished_at.getTime() - row.started_at.getTime()) / 1000).toFixed(1)} s`
      : "";
  const lines = [
    `Import ${importIdOf(row)} completed${seconds}: ${row.total} rows, ${row.created} created, ${row.updated} updated, ${row.invalid} invalid.`,
  ];
  const shown = errors.slice(0, 10);
  if (shown.length > 0) {
    lines.push(
      `Rows not imported${row.invalid > shown.length ? ` (first ${shown.length} of ${row.invalid})` : ""}:`,
    );
    for (const error of shown) {
      lines.push(
        `  row ${error.row_number}${error.email ? ` (${error.email})` : ""}: ${error.message}`,
      );
    }
  }
  return lines.join("\n");
}
