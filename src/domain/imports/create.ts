import type { ImportRow } from "../../db/types.js";
import type { Context, Queryable } from "../context.js";
import { NotFound } from "../errors.js";

export const IMPORT_TASK = "import-subscribers";
/** The uploaded file is kept as rows of about this size, so any worker process can read it. */
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
  return ctx.db.transaction().execute(async (trx) => {
    const created = await trx
      .insertInto("imports")
      .values({
        account_id: accountId,
        source: input.source,
        filename: input.filename?.trim() || null,
        list_id: listId,
        update_existing: input.updateExisting ?? true,
      })
      .returning(["id", "public_id"])
      .executeTakeFirstOrThrow();

    let seq = 0;
    let lines = 0;
    let bytes = 0;
    let lastByte = 10;
    let storing: Promise<unknown> = Promise.resolve();
    for await (const chunk of rechunk(input.content, CHUNK_BYTES)) {
      // One insert in flight while the next megabyte is read.
      await storing;
      storing = trx
        .insertInto("import_chunks")
        .values({ account_id: accountId, import_id: created.id, seq: seq++, data: chunk })
        .execute();
      lines += countNewlines(chunk);
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
    const estimate = Math.max(0, lines + (bytes > 0 && lastByte !== 10 ? 1 : 0) - 1);
    return trx
      .updateTable("imports")
      .set({ total: estimate })
      .where("account_id", "=", accountId)
      .where("id", "=", created.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

export async function internalListId(
  db: Queryable,
  accountId: string,
  publicId: string,
): Promise<string> {
  const list = await db
    .selectFrom("lists")
    .select("id")
    .where("account_id", "=", accountId)
    .where("public_id", "=", publicId)
    .executeTakeFirst();
  if (!list) throw new NotFound("List", publicId);
  return list.id;
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
