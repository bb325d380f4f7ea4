import type { Context as HonoContext } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { Conflict, DomainError, Forbidden, NotFound, Validation } from "../../domain/errors.js";

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
  if (error instanceof DomainError) {
    if (error instanceof Validation)
      return envelope(c, 400, error.issues.map((issue) => issue.message).join("; "));
    if (error instanceof NotFound) return envelope(c, 404, error.message);
    if (error instanceof Conflict) return envelope(c, 409, error.message);
    if (error instanceof Forbidden) return envelope(c, 403, error.message);
    return envelope(c, 400, error.message);
  }
  throw error;
}
