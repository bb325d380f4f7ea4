// What text can be stored. Postgres refuses a NUL in text (`invalid byte sequence for encoding
// "UTF8": 0x00`, a 500 if it got that far), and text that is not valid Unicode (a lone surrogate,
// which a JSON `\udc00` escape makes) would be written as U+FFFD: another text than the one
// sent. Every surface checks what it reads with these, at its edge, and refuses in its own format.

export type TextProblem = "nul" | "unicode";

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function textProblem(text: string): TextProblem | null {
  if (text.includes("\0")) return "nul";
  if (LONE_SURROGATE.test(text)) return "unicode";
  return null;
}

/** How a surface says it: "<where> must not contain …". */
export function describeProblem(problem: TextProblem): string {
  return problem === "nul"
    ? "must not contain a NUL character (\\u0000)"
    : "must be valid UTF-8 (no invalid bytes, no lone surrogates)";
}

export interface Unstorable {
  /** Where in the value: keys and indexes from its root (a key's own text included). */
  path: (string | number)[];
  problem: TextProblem;
}

/**
 * Only what JSON decodes to is looked into: an uploaded File, a Buffer or a Date is not walked
 * (a 256 MB upload would be walked byte by byte); whoever stores their text checks it.
 */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

interface Visit {
  value: unknown;
  key: string | number | null;
  parent: Visit | null;
}

function pathOf(visit: Visit): (string | number)[] {
  const path: (string | number)[] = [];
  for (let at: Visit | null = visit; at && at.key !== null; at = at.parent) path.push(at.key);
  return path.reverse();
}

/**
 * The strings of a decoded JSON value (object keys too) that cannot be stored, in document
 * order, at most `max`. Iterative with parent links: any nesting depth, no stack overflow.
 */
export function findUnstorable(root: unknown, max = 20): Unstorable[] {
  const found: Unstorable[] = [];
  const stack: Visit[] = [{ value: root, key: null, parent: null }];
  while (stack.length > 0 && found.length < max) {
    const visit = stack.pop() as Visit;
    const { value } = visit;
    if (typeof value === "string") {
      const problem = textProblem(value);
      if (problem) found.push({ path: pathOf(visit), problem });
    } else if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index--) {
        stack.push({ value: value[index], key: index, parent: visit });
      }
    } else if (isPlainObject(value)) {
      const entries = Object.entries(value);
      for (let index = entries.length - 1; index >= 0; index--) {
        const [key, child] = entries[index] as [string, unknown];
        const keyProblem = textProblem(key);
        // A bad key is reported at its own place; its value is not looked into.
        if (keyProblem) stack.push({ value: key, key, parent: visit });
        else stack.push({ value: child, key, parent: visit });
      }
    }
  }
  return found;
}
