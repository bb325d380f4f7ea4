import type { Context, Env, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { describeProblem, findUnstorable, type Unstorable } from "../../domain/text.js";
import { decodeUtf8 } from "./decode.js";
import type { InputProblem } from "./pairs.js";

// Bodies are read as bytes and decoded strictly: `c.req.text()` would turn invalid UTF-8 into
// U+FFFD, and the subscriber would be stored under another address than the one sent.

/** The body as text, or null when its bytes are not UTF-8. */
export async function bodyText(c: Context): Promise<string | null> {
  return decodeUtf8(new Uint8Array(await c.req.arrayBuffer()));
}

/** `subscribers[3].email`, `data.3.email`: a path in the dialect's own notation. */
export type PathFormat = (path: readonly (string | number)[]) => string;

/** Every string of a decoded JSON value that cannot be stored, as problems of its fields. */
export function unstorableFields(value: unknown, format: PathFormat, max?: number): InputProblem[] {
  return findUnstorable(value, max).map((found: Unstorable) => ({
    field: format(found.path),
    message: describeProblem(found.problem),
  }));
}

/** "2 MB": a body limit as refusals word it. */
export function megabytes(bytes: number): string {
  return `${bytes / 1024 / 1024} MB`;
}

/**
 * hono's bodyLimit, refusing in the dialect's envelope. The rest of an oversized body is never
 * read, so the connection cannot carry another request: the refusal always closes it.
 */
export function bodyLimitOf<E extends Env>(
  maxSize: number,
  refuse: (c: Context<E>, limit: string) => Response,
): MiddlewareHandler<E> {
  return bodyLimit({
    maxSize,
    onError: (c) => {
      const answer = refuse(c as Context<E>, megabytes(maxSize));
      answer.headers.set("Connection", "close");
      return answer;
    },
  });
}
