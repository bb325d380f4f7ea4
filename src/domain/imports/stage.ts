import { once } from "node:events";
import { Readable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import { type CsvError, parse } from "csv-parse";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { type ColumnLayout, type ImportField, layoutOf } from "./columns.js";
import { ImportFailure } from "./failure.js";
import { type RowEncoder, type RowError, rowEncoder, STAGING_COLUMNS } from "./rows.js";
import { recordsOfChunk } from "./typed-rows.js";

// The streaming half of an import: the stored chunks → csv-parse (a CSV file) or JSON.parse
// (typed rows) → rows checked in JS → COPY into the unlogged staging table. Nothing here touches
// subscribers; a killed run leaves only staging rows, which the next attempt deletes first.

export interface StageOptions {
  pool: pg.Pool;
  /** The connection the COPY runs on. */
  client: pg.PoolClient;
  accountId: string;
  importId: string;
  fields: readonly ImportField[];
  /** The columns of typed rows (`imports.row_columns`); null for a CSV file. */
  columns: readonly string[] | null;
  /** Sees the header's layout before any row is staged; throws ImportFailure to refuse it. */
  onLayout: (layout: ColumnLayout) => void;
  /** Rows read so far, every `progressEvery` rows. */
  onProgress: (processed: number) => void;
  progressEvery: number;
}

export interface Staged {
  /** Data rows in the file (the header row excluded), or typed rows. */
  total: number;
  staged: number;
  /** Rows refused while parsing, by row number. */
  errors: RowError[];
  layout: ColumnLayout;
}

export async function stageRows(options: StageOptions): Promise<Staged> {
  return options.columns === null ? stageCsv(options) : stageTypedRows(options, options.columns);
}

/** Size of the buffers COPY text is encoded into. */
const COPY_BUFFER_BYTES = 1 << 20;
const NO_BYTES = Buffer.alloc(0);

/**
 * The COPY of checked rows into `import_rows`, fed batch by batch of records; the same for a
 * CSV file and for typed rows.
 */
class Stager {
  readonly errors: RowError[] = [];
  staged = 0;
  layout: ColumnLayout | null = null;
  private copy: ReturnType<typeof copyFrom> | null = null;
  private copied: Promise<void> = Promise.resolve();
  private encode: RowEncoder | null = null;
  private reported = 0;
  /** COPY text encoded as it is added; see add(). */
  private buffer = NO_BYTES;
  private used = 0;
  private filled: Buffer[] = [];

  constructor(private readonly options: StageOptions) {}

  get started(): boolean {
    return this.encode !== null;
  }

  /** The header: its layout is checked, then the COPY starts. */
  begin(header: readonly string[]): void {
    const { options } = this;
    this.layout = layoutOf(header, options.fields);
    options.onLayout(this.layout);
    this.encode = rowEncoder(this.layout, {
      accountId: options.accountId,
      importId: options.importId,
    });
    this.copy = options.client.query(copyFrom(`copy import_rows (${STAGING_COLUMNS}) from stdin`));
    this.copied = finished(this.copy);
    this.copied.catch(() => {}); // awaited in end(); an early failure also surfaces through write()
  }

  /** One data row, numbered from 1: encoded for the COPY, or its error kept. */
  add(record: readonly string[], row: number): void {
    const line = (this.encode as RowEncoder)(record, row);
    if (typeof line === "string") {
      // Encoded now rather than appended to one string per batch: a batch's string is a rope of
      // tens of thousands of pieces that outlive young-generation collections, so V8 copies and
      // promotes them all. Parsing and encoding 1,000,000 rows took 8.2 s of CPU that way, 4.8 s
      // this way (the garbage collector's part 9 s → 3 s).
      const most = line.length * 3; // UTF-8 bytes of a UTF-16 code unit, at most
      if (this.used + most > this.buffer.length) {
        if (this.used > 0) this.filled.push(this.buffer.subarray(0, this.used));
        this.buffer = Buffer.allocUnsafe(Math.max(COPY_BUFFER_BYTES, most));
        this.used = 0;
      }
      this.used += this.buffer.write(line, this.used);
      this.staged++;
    } else this.errors.push(line);
  }

  /** Sends the rows added so far; reports progress every `progressEvery` rows. */
  async flush(row: number): Promise<void> {
    const { copy, options } = this;
    if (this.used > 0) {
      this.filled.push(this.buffer.subarray(0, this.used));
      // The COPY stream may hold the buffers it was given until they are sent: the next rows
      // go in a new one.
      this.buffer = NO_BYTES;
      this.used = 0;
    }
    const filled = this.filled;
    this.filled = [];
    if (copy && filled.length > 0) {
      let drained = true;
      for (const bytes of filled) drained = copy.write(bytes);
      if (!drained) await once(copy, "drain");
    }
    if (row - this.reported >= options.progressEvery) {
      this.reported = row;
      options.onProgress(row);
    }
  }

  /** Every row has been added and flushed. */
  async end(total: number): Promise<Staged> {
    this.copy?.end();
    await this.copied;
    return {
      total,
      staged: this.staged,
      errors: this.errors,
      layout: this.layout as ColumnLayout,
    };
  }
}

/** Typed rows: JSON chunks of whole rows in `columns` order; no chunk at all is no row. */
async function stageTypedRows(options: StageOptions, columns: readonly string[]): Promise<Staged> {
  const stager = new Stager(options);
  stager.begin(columns);
  let row = 0;
  for await (const chunk of readChunks(options.pool, options.accountId, options.importId)) {
    for (const record of recordsOfChunk(chunk)) stager.add(record, ++row);
    await stager.flush(row);
  }
  return stager.end(row);
}

async function stageCsv(options: StageOptions): Promise<Staged> {
  const chunks = readChunks(options.pool, options.accountId, options.importId);
  const first = await chunks.next();
  if (first.done) throw new ImportFailure("the file is empty");
  const head = first.value;
  if (head.subarray(0, 8192).includes(0)) {
    throw new ImportFailure(
      "the file is not CSV text: it contains NUL bytes (binary data, or UTF-16 text; save it as UTF-8 CSV)",
    );
  }

  const parser = parse({
    bom: true,
    delimiter: delimiterOf(head),
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
  });
  // csv-parse drops a record it cannot read and tells us here, before we read the records
  // parsed ahead of it: its position is the count of records so far (the header included).
  const skipped: RowError[] = [];
  parser.on("skip", (error: CsvError) => {
    skipped.push({
      row: parser.info.records + skipped.length,
      email: null,
      message: csvMessage(error),
    });
  });
  const feeding = pipeline(Readable.from(prepend(head, chunks)), parser);
  feeding.catch(() => {}); // the same error reaches readBatches through the parser

  const stager = new Stager(options);
  let row = 0;
  let nextSkip = 0;

  for await (const batch of readBatches(parser)) {
    let start = 0;
    if (!stager.started) {
      stager.begin(batch[0]);
      start = 1;
    }
    for (let i = start; i < batch.length; i++) {
      row++;
      while (nextSkip < skipped.length && skipped[nextSkip].row === row) {
        stager.errors.push(skipped[nextSkip++]);
        row++;
      }
      stager.add(batch[i], row);
    }
    await stager.flush(row);
  }
  await feeding;

  if (!stager.started) {
    throw new ImportFailure(
      skipped.length > 0
        ? `the header row is not valid CSV: ${skipped[0].message}`
        : "the file is empty",
    );
  }
  // A record csv-parse dropped after the last good one (a quote never closed).
  for (; nextSkip < skipped.length; nextSkip++) {
    stager.errors.push(skipped[nextSkip]);
    row = Math.max(row, skipped[nextSkip].row);
  }
  return stager.end(row);
}

function csvMessage(error: CsvError): string {
  if (error.code === "CSV_QUOTE_NOT_CLOSED") {
    return "a quoted value that starts in this row is never closed (the rest of the file was read as part of it)";
  }
  return `not valid CSV: ${error.message}`;
}

/** The separator of the header line: comma, or semicolon/tab when a spreadsheet chose those. */
function delimiterOf(head: Buffer): string {
  const end = head.indexOf(10);
  return delimiterOfLine(
    head.subarray(0, end === -1 ? Math.min(head.length, 65536) : end).toString("utf8"),
  );
}

/** A header line's separator: comma, or semicolon or tab when either is more frequent. */
export function delimiterOfLine(line: string): string {
  let best = ",";
  let bestCount = line.split(",").length - 1;
  for (const candidate of [";", "\t"]) {
    const count = line.split(candidate).length - 1;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

/**
 * A result in binary format with no parsing: the chunk's bytes as they are, rather than a hex
 * string twice their size to decode (pg accepts `binary` per query; its types only list it for
 * a whole client).
 */
const RAW_BYTES = {
  binary: true,
  types: { getTypeParser: () => (value: Buffer) => value },
} as unknown as Partial<pg.QueryConfig>;

/** The stored chunks in order, one query each, the next one read while the current is parsed. */
async function* readChunks(
  pool: pg.Pool,
  accountId: string,
  importId: string,
): AsyncGenerator<Buffer> {
  const fetch = async (seq: number) => {
    const result = await pool.query<{ data: Buffer }>({
      text: "select data from import_chunks where account_id = $1 and import_id = $2 and seq = $3",
      values: [accountId, importId, seq],
      ...RAW_BYTES,
    });
    return result.rows[0]?.data ?? null;
  };
  let next = fetch(0);
  for (let seq = 1; ; seq++) {
    const data = await next;
    if (data === null) return;
    next = fetch(seq);
    next.catch(() => {}); // awaited on the next turn; unhandled only if we stop early
    yield data;
  }
}

async function* prepend(head: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield head;
  for (let next = await rest.next(); !next.done; next = await rest.next()) yield next.value;
}

/**
 * Every record the parser holds, in batches: one await per input chunk rather than per record
 * (an async iterator over a million records costs a third of the parse).
 */
async function* readBatches(stream: Readable): AsyncGenerator<string[][]> {
  for (;;) {
    const batch: string[][] = [];
    for (let record = stream.read(); record !== null; record = stream.read()) batch.push(record);
    if (batch.length > 0) yield batch;
    if (stream.errored) throw stream.errored;
    if (stream.readableEnded) return;
    if (stream.destroyed) throw new Error("the CSV parser stopped before the end of the file");
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error) => {
        stream.off("readable", settle);
        stream.off("end", settle);
        stream.off("close", settle);
        stream.off("error", done);
        if (error) reject(error);
        else resolve();
      };
      const settle = () => done();
      stream.on("readable", settle);
      stream.on("end", settle);
      stream.on("close", settle);
      stream.on("error", done);
    });
  }
}
