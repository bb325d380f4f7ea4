import type { Context as HonoContext } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { isDomainError, unmapped } from "../../domain/errors.js";

// Mailtrain's envelope: `{"error": "<message>", "data": []}` with a 4xx, for every refusal.

export class MailtrainError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
  ) {
    super(message);
  }
}

export function envelope(c: HonoContext, status: ContentfulStatusCode, message: string) {
  return c.json({ error: message, data: [] }, status);
}

/** A refusal of this dialect or of the domain, as Mailtrain answers it; anything else rethrows. */
export function answerError(c: HonoContext, error: unknown) {
  if (error instanceof MailtrainError) return envelope(c, error.status, error.message);
  if (!isDomainError(error)) throw error;
  switch (error.code) {
    case "VALIDATION":
      return envelope(c, 400, error.issues.map((issue) => issue.message).join("; "));
    case "NOT_FOUND":
      return envelope(c, 404, error.message);
    case "CONFLICT":
      return envelope(c, 409, error.message);
    case "FORBIDDEN":
      return envelope(c, 403, error.message);
    case "RATE_LIMITED":
      return c.json({ error: error.message, data: [] }, 429, {
        "Retry-After": String(error.retryAfterSeconds),
      });
    default:
      return unmapped(error);
  }
}
