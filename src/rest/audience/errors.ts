import type { Context as HonoContext } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type DomainError, type Issue, unmapped } from "../../domain/errors.js";
import type { ErrorMapper } from "../kit/errors.js";
import { type EnvelopeKind, errorEnvelope } from "./serialize.js";

// The dialect's one error mapper (src/rest/kit/errors.ts): its own refusals (AudienceError, thrown
// by its parsing and auth), every domain error by code, and the unexpected as a 500, each in the
// envelope of the endpoint asked: the tag endpoint's own, or the standard one.

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

/**
 * The envelope of the endpoint a request is for, read from its path: the tag endpoint's own
 * (also for a bad URL or an unknown method there), the standard one for every other path.
 */
export function envelopeOf(c: HonoContext): EnvelopeKind {
  return c.req.path.endsWith("/tag") ? "tag" : "standard";
}

export function errorResponse(c: HonoContext, error: AudienceError): Response {
  const envelope = errorEnvelope(envelopeOf(c), error.status, {
    code: error.code,
    message: error.message,
    details: error.details,
  });
  return c.json(envelope, error.status, error.headers);
}

/** The domain's names → the names audience clients send (`data.3.first_name`, `tags.1`). */
const FIELD_NAMES: Readonly<Record<string, string>> = {
  subscribers: "data",
  listId: "list_id",
  tagIds: "tags",
  updateExisting: "update_subscribers",
  firstName: "first_name",
  lastName: "last_name",
  customValues: "custom_fields",
};

/**
 * A domain issue's path as the request's field: each name through FIELD_NAMES, indexes as they
 * are, and a custom field's own name (after `customValues`) as the client sent it.
 */
export function fieldOf(path: readonly string[]): string {
  return path
    .map((part, index) =>
      index > 0 && path[index - 1] === "customValues" ? part : (FIELD_NAMES[part] ?? part),
    )
    .join(".");
}

/** Domain issues as the request's details, and the message that names each: "list_id: …; tags.1: …". */
export function validationRefusal(issues: readonly Issue[]): AudienceError {
  const details = issues.map((issue) => ({ field: fieldOf(issue.path), message: issue.message }));
  const message = details
    .map((detail) => (detail.field ? `${detail.field}: ${detail.message}` : detail.message))
    .join("; ");
  return invalid(message, details);
}

/** Every domain error in the dialect's terms; a new code fails to compile until it is here. */
export function domainRefusal(error: DomainError): AudienceError {
  switch (error.code) {
    case "VALIDATION":
      return validationRefusal(error.issues);
    case "NOT_FOUND":
      return new AudienceError(404, "NOT_FOUND", error.message);
    case "FORBIDDEN":
      return new AudienceError(403, "FORBIDDEN", error.message);
    case "CONFLICT":
      return new AudienceError(409, "CONFLICT", error.message);
    case "RATE_LIMITED":
      return new AudienceError(429, "RATE_LIMITED", error.message, [], {
        "Retry-After": String(error.retryAfterSeconds),
      });
    default:
      return unmapped(error);
  }
}

/** What no client caused: a 500 with the request id (also in `X-Request-Id`), no detail. */
export function internalRefusal(requestId: string | undefined): AudienceError {
  return new AudienceError(
    500,
    "INTERNAL_ERROR",
    `Unexpected error${requestId ? ` (request ${requestId})` : ""}.`,
  );
}

export const audienceErrors: ErrorMapper = {
  dialect: "audience",
  refusal: (c, error) => (error instanceof AudienceError ? errorResponse(c, error) : null),
  domain: (c, error) => errorResponse(c, domainRefusal(error)),
  internal: (c, requestId) => errorResponse(c, internalRefusal(requestId)),
};
