import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** An error answered in GraphQL's own format, for requests refused before GraphQL runs. */
export function graphqlError(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  headers?: Record<string, string>,
) {
  return c.json({ errors: [{ message, extensions: { code } }] }, status, headers);
}
