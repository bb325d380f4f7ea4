import type { Context, Env, MiddlewareHandler } from "hono";
import { describeProblem, textProblem } from "../../domain/text.js";
import { percentDecode } from "./decode.js";
import { type InputProblem, readPairs, singleValueProblems } from "./pairs.js";

// The first check of every dialect route, before its key is even looked up (the key is read from
// the query string too): a path or query string whose text cannot be stored, or a parameter given
// twice or with brackets, is refused in the dialect's own format.

/**
 * What is wrong with a request's path and query string; [] when nothing is. `singleValues`
 * (the dialects) also refuses a parameter given twice or with brackets.
 */
export function urlProblems(url: string, { singleValues = true } = {}): InputProblem[] {
  const parsed = new URL(url);
  const problems: InputProblem[] = [];
  const path = percentDecode(parsed.pathname);
  const pathProblem = path === null ? "unicode" : textProblem(path);
  if (pathProblem) problems.push({ field: "path", message: describeProblem(pathProblem) });
  const query = readPairs(parsed.search.slice(1));
  problems.push(...query.problems);
  if (singleValues) problems.push(...singleValueProblems(query.pairs));
  return problems;
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
