import { Validation } from "../errors.js";
import { describeProblem, textProblem } from "../text.js";
import { TAG_SEPARATOR } from "./columns.js";

// Rows given as objects (the JSON dialects) written as the CSV text the import job reads, so
// every source goes through one parser, one set of checks and one merge.

/** A CSV cell: quoted when it holds a separator, a quote or a line break; NUL dropped. */
export function csvCell(value: string): string {
  const text = value.includes("\0") ? value.replaceAll("\0", "") : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A row value as cell text. Arrays are tag lists (`TAG_SEPARATOR`-joined); null and undefined
 * are blank (a blank never overwrites a stored value); objects are written as JSON, which no
 * column accepts as such, so the row's checks refuse or keep it as text like any CSV cell.
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

/** The column names: those given, or every key of the rows in the order first seen. */
export function columnsOf(rows: readonly Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

/** The header line, then one line per row, about `batchBytes` at a time. */
export async function* csvLines(
  columns: readonly string[],
  rows: AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>,
  onRow: () => void,
  batchBytes = 256 * 1024,
): AsyncGenerator<Buffer> {
  let text = `${columns.map(csvCell).join(",")}\n`;
  let index = 0;
  for await (const row of rows) {
    onRow();
    let line = "";
    for (let i = 0; i < columns.length; i++) {
      if (i > 0) line += ",";
      const cell = cellText(row[columns[i]]);
      // Each surface refuses such text at its edge, in its own words; a caller that did not must
      // not have it stored as another text (dropping the NUL did that). Thrown inside the
      // import's transaction: nothing is kept.
      const problem = textProblem(cell);
      if (problem) {
        throw Validation.of(["rows", String(index), String(columns[i])], describeProblem(problem));
      }
      line += csvCell(cell);
    }
    index++;
    // An empty line would be skipped by the parser and shift every later row number.
    text += line === "" ? '""\n' : `${line}\n`;
    if (text.length >= batchBytes) {
      yield Buffer.from(text, "utf8");
      text = "";
    }
  }
  if (text !== "") yield Buffer.from(text, "utf8");
}
