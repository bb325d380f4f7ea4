import { z } from "@hono/zod-openapi";
import { invalidRequest } from "./errors.js";

// Lists page by keyset: a cursor is the sort key of the last row sent, opaque to clients
// (base64url of a small JSON array with a version), never an offset, so a page is one index
// range whatever its depth, and rows written meanwhile are neither skipped nor repeated.

const VERSION = 1;

export type CursorKey = readonly (string | number | null)[];

/** The cursor after a row whose sort key is `key`. */
export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify([VERSION, ...key])).toString("base64url");
}

/**
 * The sort key a cursor carries, checked to have `arity` parts; a cursor this server did not make
 * (or made for another list) is 400 `invalid_request`.
 */
export function decodeCursor(cursor: string, arity: number): CursorKey {
  const bad = () => invalidRequest("cursor is not valid: pass the cursor of the previous page");
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw bad();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw bad();
  }
  if (!Array.isArray(value) || value[0] !== VERSION || value.length !== arity + 1) throw bad();
  const key = value.slice(1);
  if (!key.every((part) => part === null || ["string", "number"].includes(typeof part)))
    throw bad();
  return key as CursorKey;
}

/** The internal id a list's cursor carries: lists ordered by id alone (oldest first). */
export function afterIdOf(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const [id] = decodeCursor(cursor, 1);
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 1)
    throw invalidRequest("cursor is not valid: pass the cursor of the previous page");
  return String(id);
}

/** `limit` (1–100, default 25; out of range is 422) and `cursor`, for every list endpoint. */
export const pageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(25)
    .openapi({ description: "Page size: 1 to 100 (default 25); out of range is 422." }),
  cursor: z
    .string()
    .optional()
    .openapi({ description: "The `cursor` of the previous page; omit for the first page." }),
});

/** A list's answer: a page of resources, the cursor of the next page (null at the end), the total. */
export interface ListOut<T> {
  data: T[];
  cursor: string | null;
  total: number;
}

/** The envelope of a list: `rows` fetched with limit + 1 tell whether a next page exists. */
export function listOut<R, T>(
  rows: readonly R[],
  limit: number,
  total: number,
  out: (row: R) => T,
  keyOf: (row: R) => CursorKey,
): ListOut<T> {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map(out),
    cursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null,
    total,
  };
}

/** The zod schema of a list's answer, for the reference. */
export function listSchema<T extends z.ZodTypeAny>(item: T) {
  return z.object({
    data: z.array(item),
    cursor: z.string().nullable().openapi({ description: "Next page's cursor; null at the end." }),
    total: z.number().int().openapi({ description: "How many resources match, in all." }),
  });
}
