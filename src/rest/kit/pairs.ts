import { describeProblem, textProblem } from "../../domain/text.js";
import { percentDecode } from "./decode.js";

// `a=1&b=2`, the syntax of query strings and of form bodies, read strictly: each key and value
// must decode to storable text (no NUL, no `%FF`), and each key may come once, without brackets.
// URLSearchParams would make `%FF` a U+FFFD, and qs would turn `a=1&a=2` or `a[]=1` into arrays
// that a dialect reading one value silently drops or misreads.

export interface InputProblem {
  /** The parameter, as the client spelled it (brackets and all), or "path". */
  field: string;
  message: string;
}

export interface Pairs {
  /** Decoded keys and values, in the order sent. */
  pairs: [string, string][];
  problems: InputProblem[];
}

function decodePart(raw: string): string | null {
  return percentDecode(raw.replace(/\+/g, " "));
}

/** Problems as one line: `EMAIL must not contain …; search must be given once`. */
export function describeProblems(problems: readonly InputProblem[]): string {
  return problems.map((problem) => `${problem.field} ${problem.message}`).join("; ");
}

/** Decodes `a=1&b=2`; text problems are listed, every pair is kept. */
export function readPairs(text: string): Pairs {
  const out: Pairs = { pairs: [], problems: [] };
  for (const piece of text.split("&")) {
    if (piece === "") continue;
    const equals = piece.indexOf("=");
    const rawKey = equals === -1 ? piece : piece.slice(0, equals);
    const rawValue = equals === -1 ? "" : piece.slice(equals + 1);
    const key = decodePart(rawKey);
    const value = decodePart(rawValue);
    const keyProblem = key === null ? "unicode" : textProblem(key);
    const valueProblem = value === null ? "unicode" : textProblem(value);
    if (keyProblem) {
      // The name as sent, still encoded: safe to show back.
      out.problems.push({ field: rawKey, message: `(a name) ${describeProblem(keyProblem)}` });
    } else if (valueProblem) {
      out.problems.push({ field: key ?? rawKey, message: describeProblem(valueProblem) });
    }
    out.pairs.push([key ?? rawKey, value ?? rawValue]);
  }
  return out;
}

/** Problems of pairs that must each be one plain value: a repeated or bracketed key. */
export function singleValueProblems(pairs: readonly [string, string][]): InputProblem[] {
  const problems: InputProblem[] = [];
  const seen = new Set<string>();
  const reported = new Set<string>();
  for (const [key] of pairs) {
    const bracket = key.indexOf("[");
    const name = bracket > 0 ? key.slice(0, bracket) : key;
    if (reported.has(name)) continue;
    if (bracket > 0) {
      problems.push({ field: name, message: `must be one value, not a list or object (${key})` });
      reported.add(name);
    } else if (seen.has(name)) {
      problems.push({ field: name, message: "must be given once" });
      reported.add(name);
    }
    seen.add(name);
  }
  return problems;
}
