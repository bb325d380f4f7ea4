import type { Context, Env, MiddlewareHandler } from "hono";
import { describeProblem, textProblem } from "../../domain/text.js";
import { percentDecode } from "./decode.js";
import { type InputProblem, type Pairs, readPairs, singleValueProblems } from "./pairs.js";

// The first check of every dialect route, before its key is even looked up (the key is read from
// the query string too): a path or query string whose text cannot be stored, or a parameter given
// twice or with brackets, is refused in the dialect's own format.

/** A request's path and query string read once: the text problems of both, and the pairs. */
export function readUrl(url: string): Pairs {
  const parsed = new URL(url);
  const query = readPairs(parsed.search.slice(1));
  const path = percentDecode(parsed.pathname);
  const pathProblem = path === null ? "unicode" : textProblem(path);
  if (pathProblem) query.problems.unshift({ field: "path", message: describeProblem(pathProblem) });
  return query;
}

/**
 * What is wrong with a dialect request's path and query string; [] when nothing is: text that
 * cannot be stored, and a parameter given twice or with brackets.
 */
export function urlProblems(url: string): InputProblem[] {
  const { problems, pairs } = readUrl(url);
  return [...problems, ...singleValueProblems(pairs)];
}

export type Refuse<E extends Env> = (
  c: Context<E>,
  problems: InputProblem[],
) => Response | Promise<Response>;

/** A middleware that answers `refuse` for a request whose URL has problems. */
export function checkUrl<E extends Env>(refuse: Refuse<E>): MiddlewareHandler<E> {
  return async (c, next) => {
    const problems = urlProblems(c.req.url);
    if (problems.length > 0) return refuse(c, problems);
    await next();
  };
}
