import type { MiddlewareHandler } from "hono";
import { bodyLimitOf } from "../rest/kit/body.js";
import { graphqlError } from "./errors.js";

export const JSON_BODY_LIMIT = 1024 * 1024;
export const UPLOAD_BODY_LIMIT = 256 * 1024 * 1024;

/** 1 MB for GraphQL documents; multipart uploads (CSV imports) get their own, larger limit. */
export function graphqlBodyLimit(): MiddlewareHandler {
  const limit = (maxSize: number, what: string) =>
    bodyLimitOf(maxSize, (c, most) =>
      graphqlError(c, 413, "PAYLOAD_TOO_LARGE", `${what} may be at most ${most}`),
    );
  const json = limit(JSON_BODY_LIMIT, "A GraphQL request body");
  const upload = limit(UPLOAD_BODY_LIMIT, "An upload");
  return (c, next) => {
    const multipart = c.req.header("content-type")?.toLowerCase().startsWith("multipart/form-data");
    return multipart ? upload(c, next) : json(c, next);
  };
}
