import type { ImportRow } from "../../db/types.js";
import { type Context, isSandbox, type Queryable } from "../context.js";
import { NotFound, Validation } from "../errors.js";
import { internalListId } from "../lists/lookup.js";
import { describeProblem, textProblem } from "../text.js";
import { columnsOf, rowChunks } from "./typed-rows.js";

// Entry points of the import pipeline (a CSV file, or rows as typed values → import_chunks →
// job → one merge):
//
//   createImport(ctx, { source, content, filename?, listId?, updateExisting?, tagIds?,
//     notifyEmail?, workerStartAfter? }): Promise<ImportRow>
//   createImportFromRows(ctx, { source, rows, columns?, filename?, listId?, updateExisting?,
//     tagIds?, notifyEmail? }): Promise<ImportRow>
//     rows: Record<string, unknown>[] | AsyncIterable<Record<string, unknown>>, keyed by column:
//     email, first_name, last_name, phone, timezone, job_title, company, country, address,
//     website, postal_code, birthday (YYYY-MM-DD), tags (string[] of names, created when new,
//     matched in any case), or a custom field's name / merge tag / column name.
//     Row N of the report (import_errors.row_number) is rows[N - 1].
//
// tagIds are internal tag ids (of ctx.account, else NotFound) put on every imported subscriber;
// notifyEmail gets a report mail (counts, refused rows with number, email and reason) when the
// import completes or fails. The first row of a duplicated email wins; later ones are refused.

export const IMPORT_TASK = "import-subscribers";
/**
 * The uploaded file (or the given rows, as JSON) is kept as rows of about this size, so any
 * worker process can read it.
 */
export const CHUNK_BYTES = 1024 * 1024;
/** A file problem fails the import at once; only transient errors use these retries. */
export const IMPORT_MAX_ATTEMPTS = 10;

export interface CreateImportInput {
  /** Where the file came from: "graphql", "cli", a REST dialect's name. */
  source: string;
  filename?: string | null;
  /** Public id of a list every imported subscriber joins. */
  listId?: string | null;
  /** Overwrite existing subscribers' fields with the file's non-empty values (default true). */
  updateExisting?: boolean;
  content: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>;
  /** Internal ids of tags of the account that every imported subscriber gets. */
  tagIds?: readonly string[];
  /** Receives the report mail when the import completes or fails; null or absent: no mail. */
  notifyEmail?: string | null;
  /**
   * Earliest time a worker may start the job. The CLI runs the import itself and keeps the job
   * only as a fallback, should it die half-way.
   */
  workerStartAfter?: Date;
}

/**
 * Stores the file and queues its job in one transaction: an import exists with its whole file
 * and its job, or not at all.
 */
export async function createImport(ctx: Context, input: CreateImportInput): Promise<ImportRow> {
  const accountId = ctx.account.id;
  const listId = input.listId ? await internalListId(ctx.db, accountId, input.listId) : null;
  const tagIds = await ownTagIds(ctx.db, accountId, input.tagIds ?? []);
  return createWith(ctx, input, listId, tagIds, { file: input.content });
}

export interface CreateImportFromRowsInput
  extends Omit<CreateImportInput, "content" | "workerStartAfter"> {
  /** One object per subscriber; see the comment at the top of this file for the keys. */
  rows: readonly Record<string, unknown>[] | AsyncIterable<Record<string, unknown>>;
  /** The keys to read from each row; default: every key of the rows (an array is needed then). */
  columns?: readonly string[];
}

/**
 * An import of rows given as objects, stored as typed values (JSON chunks, `imports.row_columns`
 * naming their columns): the job reads them without any CSV, and its checks, retries and report
 * are those of a CSV import.
 */
export async function createImportFromRows(
  ctx: Context,
  input: CreateImportFromRowsInput,
): Promise<ImportRow> {
  const { rows } = input;
  let columns = input.columns;
  if (columns === undefined) {
    if (!Array.isArray(rows)) throw new Error("createImportFromRows: streamed rows need `columns`");
    columns = columnsOf(rows as readonly Record<string, unknown>[]);
  }
  if (!columns.includes("email")) columns = ["email", ...columns];
  const accountId = ctx.account.id;
  const listId = input.listId ? await internalListId(ctx.db, accountId, input.listId) : null;
  const tagIds = await ownTagIds(ctx.db, accountId, input.tagIds ?? []);
  const counter = { rows: 0 };
  const chunks = rowChunks(columns, rows, () => counter.rows++, CHUNK_BYTES);
  return createWith(ctx, input, listId, tagIds, { columns, chunks, counter });
}

/** Tag ids (internal) that are the account's, or NotFound for the first that is not. */
async function ownTagIds(
  db: Queryable,
  accountId: string,
  tagIds: readonly string[],
): Promise<string[]> {
  const unique = [...new Set(tagIds)];
  if (unique.length === 0) return [];
  const wellFormed = unique.filter((id) => /^\d{1,18}$/.test(id));
  const found =
    wellFormed.length === 0
      ? []
      : await db
          .selectFrom("tags")
          .select("id")
          .where("account_id", "=", accountId)
          .where("id", "in", wellFormed)
          .execute();
  const known = new Set(found.map((row) => String(row.id)));
  const missing = unique.find((id) => !known.has(id));
  if (missing !== undefined) throw new NotFound("Tag", missing);
  return unique;
}

/** What is stored: a CSV file's bytes, or typed rows (whole rows per chunk) and their columns. */
type Content =
  | { file: CreateImportInput["content"] }
  | {
      columns: readonly string[];
      chunks: AsyncIterable<Buffer>;
      /** Rows stored so far: the exact total once every chunk is stored. */
      counter: { rows: number };
    };

async function createWith(
  ctx: Context,
  input: Omit<CreateImportInput, "content">,
  listId: string | null,
  tagIds: string[],
  content: Content,
): Promise<ImportRow> {
  const accountId = ctx.account.id;
  // A multipart file name is the client's text like any other: a NUL would reach Postgres.
  const nameProblem = input.filename ? textProblem(input.filename) : null;
  if (nameProblem)
    throw Validation.of(["filename"], `the file name ${describeProblem(nameProblem)}`);
  return ctx.db.transaction().execute(async (trx) => {
    const created = await trx
      .insertInto("imports")
      .values({
        account_id: accountId,
        source: input.source,
        filename: input.filename?.trim() || null,
        list_id: listId,
        update_existing: input.updateExisting ?? true,
        tag_ids: tagIds,
        notify_email: input.notifyEmail?.trim() || null,
        row_columns: "columns" in content ? [...content.columns] : null,
        sandbox: isSandbox(ctx),
      })
      .returning(["id", "public_id"])
      .executeTakeFirstOrThrow();

    let seq = 0;
    let lines = 0;
    let bytes = 0;
    let lastByte = 10;
    let storing: Promise<unknown> = Promise.resolve();
    // A file is cut anywhere; typed rows come in chunks of whole rows, stored as they are.
    const chunks = "file" in content ? rechunk(content.file, CHUNK_BYTES) : content.chunks;
    for await (const chunk of chunks) {
      // One insert in flight while the next megabyte is read.
      await storing;
      storing = trx
        .insertInto("import_chunks")
        .values({ account_id: accountId, import_id: created.id, seq: seq++, data: chunk })
        .execute();
      if ("file" in content) lines += countNewlines(chunk);
      bytes += chunk.length;
      lastByte = chunk[chunk.length - 1];
    }
    await storing;

    await ctx.jobs.add(
      trx,
      IMPORT_TASK,
      { importId: created.id },
      {
        jobKey: `import:${created.public_id}`,
        maxAttempts: IMPORT_MAX_ATTEMPTS,
        runAt: input.workerStartAfter,
      },
    );
    // Until the job has read the file, `total` is its line count less the header: exact for
    // files without line breaks inside quoted values, and corrected when the import completes.
    // Typed rows are counted exactly.
    const estimate =
      "counter" in content
        ? content.counter.rows
        : Math.max(0, lines + (bytes > 0 && lastByte !== 10 ? 1 : 0) - 1);
    return trx
      .updateTable("imports")
      .set({ total: estimate })
      .where("account_id", "=", accountId)
      .where("id", "=", created.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

function countNewlines(chunk: Buffer): number {
  let count = 0;
  for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) count++;
  return count;
}

/** Regroups a stream of pieces of any size into buffers of `size` bytes (the last one shorter). */
async function* rechunk(
  content: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>,
  size: number,
): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  for await (const piece of content) {
    if (piece.byteLength === 0) continue;
    // Copied: a stream may reuse the memory behind the pieces it hands out.
    parts.push(Buffer.from(piece));
    length += piece.byteLength;
    while (length >= size) {
      const all = parts.length === 1 ? parts[0] : Buffer.concat(parts, length);
      yield all.subarray(0, size);
      const rest = all.subarray(size);
      parts = rest.length > 0 ? [rest] : [];
      length = rest.length;
    }
  }
  if (length > 0) yield Buffer.concat(parts, length);
}
