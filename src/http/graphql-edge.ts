import type { MiddlewareHandler } from "hono";
import { decodeUtf8 } from "../rest/kit/decode.js";
import { describeProblems, type InputProblem, readPairs } from "../rest/kit/pairs.js";
import { readUrl } from "../rest/kit/url.js";
import { graphqlError } from "./errors.js";

// What /graphql refuses before yoga sees the request, each in GraphQL's error format: yoga would
// answer a PUT with 404, an unknown content type with an empty 415, `variables=%7B` with a 500,
// and it decodes invalid UTF-8 (`%FF`, raw bytes) to U+FFFD, storing other text than was sent.
// Strings inside variables and the document are checked by the schema's own plugin
// (src/graphql/storable.ts): here is only what the raw request carries.

/** The content types yoga reads a POST in; anything else is a 415. */
const POST_TYPES = [
  "application/json",
  "application/graphql+json",
  "application/graphql",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
];

/** GET and urlencoded POST carry `variables` and `extensions` as JSON text in parameters. */
function jsonParameterProblems(pairs: readonly [string, string][]): InputProblem[] {
  const problems: InputProblem[] = [];
  for (const [name, value] of pairs) {
    if ((name !== "variables" && name !== "extensions") || value === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      problems.push({ field: name, message: "is not valid JSON" });
      continue;
    }
    if (parsed !== null && (typeof parsed !== "object" || Array.isArray(parsed))) {
      problems.push({ field: name, message: "must be a JSON object" });
    }
  }
  return problems;
}

/** Method, path and query string. */
export function graphqlRequestLine(): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method !== "GET" && c.req.method !== "POST" && c.req.method !== "HEAD") {
      return graphqlError(
        c,
        405,
        "METHOD_NOT_ALLOWED",
        `${c.req.method} is not allowed on /graphql: use GET or POST`,
        { Allow: "GET, POST" },
      );
    }
    const url = readUrl(c.req.url);
    if (url.problems.length > 0)
      return graphqlError(c, 400, "BAD_USER_INPUT", describeProblems(url.problems));
    const json = jsonParameterProblems(url.pairs);
    if (json.length > 0) return graphqlError(c, 400, "BAD_REQUEST", describeProblems(json));
    if (c.req.method === "POST") {
      const type = c.req.header("content-type")?.split(",")[0]?.split(";")[0]?.trim().toLowerCase();
      if (!type || !POST_TYPES.includes(type)) {
        return graphqlError(
          c,
          415,
          "UNSUPPORTED_MEDIA_TYPE",
          `A GraphQL POST must be ${POST_TYPES.join(", ")}; got ${type ? JSON.stringify(type) : "no Content-Type"}`,
        );
      }
    }
    await next();
  };
}

/**
 * The body of a non-multipart POST (at most 1 MB: runs after the body limit), read as bytes and
 * handed on to yoga only when it is UTF-8. Multipart bodies carry files, whose bytes are theirs.
 */
export function graphqlBodyText(): MiddlewareHandler {
  return async (c, next) => {
    const type = c.req.header("content-type")?.toLowerCase() ?? "";
    if (c.req.method !== "POST" || type.startsWith("multipart/form-data")) return next();
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const text = decodeUtf8(bytes);
    if (text === null) return graphqlError(c, 400, "BAD_REQUEST", "The body is not valid UTF-8");
    if (type.startsWith("application/x-www-form-urlencoded")) {
      const form = readPairs(text);
      const problems = [...form.problems, ...jsonParameterProblems(form.pairs)];
      if (problems.length > 0)
        return graphqlError(c, 400, "BAD_USER_INPUT", describeProblems(problems));
    }
    c.req.raw = new Request(c.req.raw, { body: bytes });
    await next();
  };
}
