import type { Context as HonoContext } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { isDomainError, unmapped } from "../../domain/errors.js";
import type { Logger } from "../../log.js";

// The document shows no error. Its envelope has an `error` object and a numeric `status`, so an
// error reuses it: `error` filled, the HTTP status in `status`. The tag endpoint has its own
// envelope (`status: true, statuscode`), so its errors say `status: false, statuscode: <http>`.

export type EnvelopeKind = "standard" | "tag";

export interface ErrorDetail {
  /** Where in the request, e.g. "data.3.email", "pageSize", "list_id". */
  field: string;
  message: string;
}

/** A refusal with its HTTP status, a stable code and a readable message. */
export class AudienceError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function invalid(message: string, details: ErrorDetail[] = []): AudienceError {
  return new AudienceError(400, "VALIDATION_ERROR", message, details);
}

/** Domain errors in the dialect's terms; anything else is not the client's fault. */
export function audienceErrorOf(error: unknown): AudienceError | null {
  if (error instanceof AudienceError) return error;
  if (!isDomainError(error)) return null;
  switch (error.code) {
    case "VALIDATION":
      return invalid(
        error.message,
        error.issues.map((issue) => ({ field: issue.path.join("."), message: issue.message })),
      );
    case "NOT_FOUND":
      return new AudienceError(404, "NOT_FOUND", error.message);
    case "RATE_LIMITED":
      return new AudienceError(429, "RATE_LIMITED", error.message, [], {
        "Retry-After": String(error.retryAfterSeconds),
      });
    case "FORBIDDEN":
      return new AudienceError(403, error.code, error.message);
    case "CONFLICT":
      return new AudienceError(409, error.code, error.message);
    default:
      return unmapped(error);
  }
}

export function errorBody(kind: EnvelopeKind, error: AudienceError): Record<string, unknown> {
  const inner: Record<string, unknown> = { code: error.code, message: error.message };
  if (error.details.length > 0) inner.details = error.details;
  return kind === "tag"
    ? {
        data: null,
        error: inner,
        message: error.message,
        status: false,
        statuscode: error.status,
      }
    : { data: null, error: inner, message: error.message, status: error.status };
}

export function errorResponse(c: HonoContext, kind: EnvelopeKind, error: AudienceError) {
  return c.json(errorBody(kind, error), error.status, error.headers);
}

/**
 * Runs a handler and answers any refusal in the endpoint's envelope; an unexpected error is a
 * 500 in the same envelope, with the request id and no detail (the log has it).
 */
export async function answering(
  c: HonoContext,
  kind: EnvelopeKind,
  log: Logger,
  handler: () => Promise<Response>,
): Promise<Response> {
  try {
    return await handler();
  } catch (error) {
    const known = audienceErrorOf(error);
    if (known) return errorResponse(c, kind, known);
    log.error({ err: error }, "audience: unexpected error");
    const requestId = c.get("requestId" as never) as string | undefined;
    return errorResponse(
      c,
      kind,
      new AudienceError(
        500,
        "INTERNAL_ERROR",
        `Unexpected error${requestId ? ` (request ${requestId})` : ""}.`,
      ),
    );
  }
}
