import { sql } from "kysely";
import type { ImportRow } from "../../db/types.js";
import type { Context } from "../context.js";
import { type CreateImportInput, createImport } from "./create.js";
import { ImportBusy } from "./failure.js";
import { type ImportDeps, type ImportPhase, runImport } from "./run.js";

/** How long the queued job waits before a worker may take over an import this process runs. */
const FALLBACK_DELAY_MS = 10 * 60 * 1000;
const POLL_MS = 250;

export interface InProcessOptions {
  onCreated?: (created: ImportRow) => void;
  onProgress?: (processed: number, phase: ImportPhase) => void;
}

/**
 * Creates an import and runs it in this process (the CLI, the benchmark). Its job is still
 * queued, due later, so that a worker finishes the import should this process die; it is
 * removed once the import is done. If a worker got there first, this waits for it instead.
 */
export async function importInProcess(
  deps: ImportDeps,
  ctx: Context,
  input: Omit<CreateImportInput, "workerStartAfter">,
  options: InProcessOptions = {},
): Promise<ImportRow> {
  const created = await createImport(ctx, {
    ...input,
    workerStartAfter: new Date(Date.now() + FALLBACK_DELAY_MS),
  });
  options.onCreated?.(created);
  let finished: ImportRow | null;
  try {
    finished = await runImport(deps, created.id, { onProgress: options.onProgress });
  } catch (error) {
    if (!(error instanceof ImportBusy)) throw error;
    finished = await waitForImport(deps, created.id, options.onProgress);
  }
  await sql`select graphile_worker.remove_job(${`import:${created.public_id}`})`.execute(deps.db);
  if (!finished) throw new Error(`import ${created.public_id} disappeared while it ran`);
  return finished;
}

async function waitForImport(
  deps: ImportDeps,
  importId: string,
  onProgress?: (processed: number, phase: ImportPhase) => void,
): Promise<ImportRow | null> {
  for (;;) {
    const row = await deps.db
      .selectFrom("imports")
      .selectAll()
      .where("id", "=", importId)
      .executeTakeFirst();
    if (!row || row.status === "completed" || row.status === "failed") return row ?? null;
    onProgress?.(row.processed, row.processed < row.total ? "reading" : "saving");
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
