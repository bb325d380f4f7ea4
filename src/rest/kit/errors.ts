import type { Context as HonoContext } from "hono";
import { type DomainError, isDomainError } from "../../domain/errors.js";
import type { Logger } from "../../log.js";

// Every dialect answers errors through one mapper of its own: its refusals (thrown by its parsing
// and auth), every domain error by code, and the unexpected as a 500 in its own envelope. The kit
// decides which is which and logs the unexpected; the mapper only writes envelopes.

export interface ErrorMapper {
  /** For the log line of an unexpected error. */
  readonly dialect: string;
  /** The dialect's own refusal (an error class of its own), or null when `error` is not one. */
  refusal?(c: HonoContext, error: unknown): Response | null;
  /** A domain error: a `switch (error.code)` that ends in `unmapped(error)`. */
  domain(c: HonoContext, error: DomainError): Response;
  /** A 500 in the dialect's envelope; nothing of the error leaves (the log has it). */
  internal(c: HonoContext, requestId: string | undefined): Response;
}

function requestIdOf(c: HonoContext): string | undefined {
  return c.get("requestId" as never) as string | undefined;
}

function logOf(c: HonoContext): Logger | undefined {
  return c.get("log" as never) as Logger | undefined;
}

/** Any error a handler or middleware threw, answered by the dialect's mapper. */
export function answerError(mapper: ErrorMapper, c: HonoContext, error: unknown): Response {
  const refused = mapper.refusal?.(c, error);
  if (refused) return refused;
  if (isDomainError(error)) return mapper.domain(c, error);
  logOf(c)?.error({ err: error }, `${mapper.dialect}: unexpected error`);
  return mapper.internal(c, requestIdOf(c));
}

/**
 * A route handler whose errors go through the dialect's mapper. Dialects also set
 * `app.onError((error, c) => answerError(mapper, c, error))` on their sub-app, which catches what
 * middleware throws; `handle` is for handlers that need the mapper chosen per route.
 */
export function handle<C extends HonoContext>(
  mapper: ErrorMapper,
  handler: (c: C) => Response | Promise<Response>,
): (c: C) => Promise<Response> {
  return async (c) => {
    try {
      return await handler(c);
    } catch (error) {
      return answerError(mapper, c, error);
    }
  };
}
