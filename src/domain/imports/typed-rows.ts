import { Validation } from "../errors.js";
import { describeProblem, textProblem } from "../text.js";
import { TAG_SEPARATOR } from "./columns.js";

// Rows given as objects (the JSON dialects), kept as typed values: each stored chunk is a JSON
// array of whole rows, each row an array of cells in the order of the import's `row_columns`. A
// cell is a string, a list of strings (tag names) or null (blank). The job reads them back as the
// records a CSV file would give, so every source goes through one set of checks and one merge,
// without writing CSV text and parsing it again.

/** A NUL or any surrogate: text that `textProblem` must look at. */
const SUSPECT = /[\0\uD800-\uDFFF]/;

/** A stored cell: text, a list (tag names), or null for a blank. */
export type RowCell = string | string[] | null;

/**
 * A value as cell text. Arrays are tag lists (`TAG_SEPARATOR`-joined); null and undefined are
 * blank (a blank never overwrites a stored value); objects are written as JSON, which no column
 * accepts as such, so the row's checks refuse or keep it as text like any CSV cell.
 */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => cellText(item)).join(TAG_SEPARATOR);
  return JSON.stringify(value);
}

/** A row's value as it is stored: a list stays a list (of its items' text). */
export function cellOf(value: unknown): RowCell {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((item) => cellText(item));
  return cellText(value);
}

/** A stored cell as the text the row checks read (a list joined as a CSV `tags` cell is). */
export function cellRecordText(cell: RowCell): string {
  if (cell === null) return "";
  return typeof cell === "string" ? cell : cell.join(TAG_SEPARATOR);
}

/** The column names: every key of the rows in the order first seen. */
export function columnsOf(rows: readonly Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

/**
 * The rows as stored chunks of about `chunkBytes` each, whole rows only, so that each chunk is
 * read on its own. Text Postgres cannot hold (a NUL, a lone surrogate) is refused as a
 * Validation naming the row and column: each surface refuses such text at its edge, in its own
 * words; a caller that did not must not have it stored as another text. Thrown inside the
 * import's transaction: nothing is kept.
 */
export async function* rowChunks(
  columns: readonly string[],
  rows: AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>,
  onRow: () => void,
  chunkBytes: number,
): AsyncGenerator<Buffer> {
  let chunk: RowCell[][] = [];
  // The chunk's JSON length, about: its text, and a few characters per cell.
  let length = 0;
  let index = 0;
  for await (const row of rows) {
    onRow();
    const cells: RowCell[] = new Array(columns.length);
    for (let i = 0; i < columns.length; i++) {
      const cell = cellOf(row[columns[i]]);
      if (cell !== null) {
        const text = typeof cell === "string" ? cell : cell.join(TAG_SEPARATOR);
        // One scan of the text for what could be a problem; most text has neither.
        const problem = SUSPECT.test(text) ? textProblem(text) : null;
        if (problem) {
          throw Validation.of(
            ["rows", String(index), String(columns[i])],
            describeProblem(problem),
          );
        }
        length += text.length + (typeof cell === "string" ? 3 : 3 * cell.length + 2);
      } else length += 5;
      cells[i] = cell;
    }
    index++;
    chunk.push(cells);
    if (length >= chunkBytes) {
      yield Buffer.from(JSON.stringify(chunk), "utf8");
      chunk = [];
      length = 0;
    }
  }
  if (chunk.length > 0) yield Buffer.from(JSON.stringify(chunk), "utf8");
}

/** One stored chunk as records of cell text, in `row_columns` order. */
export function recordsOfChunk(data: Buffer): string[][] {
  const rows = JSON.parse(data.toString("utf8")) as RowCell[][];
  const records: string[][] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const cells = rows[r];
    const record: string[] = new Array(cells.length);
    for (let i = 0; i < cells.length; i++) record[i] = cellRecordText(cells[i]);
    records[r] = record;
  }
  return records;
}
