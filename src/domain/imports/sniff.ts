import { parse } from "csv-parse/sync";
import { layoutOf } from "./columns.js";
import { delimiterOfLine } from "./stage.js";

// The first bytes of an upload, checked before anything is stored, so that a file that is no
// CSV of subscribers (binary, empty, no header with an email column) is refused at once and
// creates nothing. The import's job checks the same again, with the whole file.

/** How much of the file's start is read: a header row is far shorter. */
export const HEAD_BYTES = 64 * 1024;

/** Why the file's start is no CSV of subscribers, or null when it may be one. */
export function csvHeadProblem(head: Uint8Array): string | null {
  if (head.length === 0) return "is empty: send a CSV whose first row names the columns";
  if (head.includes(0)) return "is not a CSV text file (it holds binary data)";
  let text: string;
  try {
    // `stream: true`: the last character may be cut by the end of the head.
    text = new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true });
  } catch {
    return "is not a CSV text file in UTF-8";
  }
  const end = text.search(/\r?\n/);
  if (end === -1 && head.length >= HEAD_BYTES)
    return "has no header row (no line break in its first 64 KB)";
  const line = (end === -1 ? text : text.slice(0, end)).replace(/^\uFEFF/, "");
  let header: string[];
  try {
    const [first] = parse(line, {
      delimiter: delimiterOfLine(line),
      relax_column_count: true,
    }) as string[][];
    header = first ?? [];
  } catch (error) {
    return `has a header row that is not valid CSV (${(error as Error).message})`;
  }
  const layout = layoutOf(header, []);
  if (layout.standard.email === -1) {
    const found = header.slice(0, 10).map((name) => JSON.stringify(name));
    return `has no email column: its first row must name the columns, one of them "email"${found.length > 0 ? ` (found ${found.join(", ")})` : ""}`;
  }
  return null;
}
