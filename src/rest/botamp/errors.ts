import type { Context as HonoContext } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { type Issue, isDomainError, unmapped } from "../../domain/errors.js";
import { describeProblems } from "../kit/pairs.js";

// botamp's document shows no error body, only "400 with the error in the response body" and
// 401. Every error here is `{"error":{"code","message","details"?}}` (see README.md).

export interface BotampErrorBody {
  error: { code: string; message: string; details?: { field: string; message: string }[] };
}

export function botampError(
  c: HonoContext,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  options: { details?: BotampErrorBody["error"]["details"]; headers?: Record<string, string> } = {},
): Response {
  const body: BotampErrorBody = { error: { code, message } };
  if (options.details && options.details.length > 0) body.error.details = options.details;
  return c.json(body, status, options.headers);
}

/** Our input names → the names botamp clients send. */
const FIELD_NAMES: Record<string, string> = {
  firstName: "name",
  lastName: "name",
  jobTitle: "job_title",
  company: "company_name",
  postalCode: "postal_code",
  customValues: "custom_fields",
};

/**
 * A domain issue's path (["subscribers", "0", "birthday"], ["tags", "2"]) as
 * the client's field: `subscriber.birthday`, `subscriber.tags[2]`.
 */
function fieldOf(path: readonly string[]): string {
  let rest = [...path];
  if (rest[0] === "subscribers" && rest[1] === "0") rest = rest.slice(2);
  let field = "subscriber";
  rest.forEach((part, index) => {
    if (/^\d+$/.test(part)) field += `[${part}]`;
    else field += `.${index === 0 ? (FIELD_NAMES[part] ?? part) : part}`;
  });
  return field;
}

/** 400 `invalid_request`, one detail per problem. */
export function invalid(c: HonoContext, details: { field: string; message: string }[]): Response {
  return botampError(c, 400, "invalid_request", describeProblems(details), { details });
}

export function validationError(c: HonoContext, issues: readonly Issue[]): Response {
  return invalid(
    c,
    issues.map((issue) => ({ field: fieldOf(issue.path), message: issue.message })),
  );
}

/** A path in the body ([ "subscribers", 3, "tags", 0 ]) as `subscribers[3].tags[0]`. */
export function bodyPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else text += text === "" ? String(part) : `.${String(part)}`;
  }
  return text || "body";
}

export function zodError(c: HonoContext, error: z.ZodError): Response {
  return invalid(
    c,
    error.issues
      .slice(0, 20)
      .map((issue) => ({ field: bodyPath(issue.path), message: issue.message })),
  );
}

/** Domain errors as botamp answers; anything else is unexpected and goes to the app's 500. */
export function domainError(c: HonoContext, error: unknown): Response {
  if (!isDomainError(error)) throw error;
  switch (error.code) {
    case "VALIDATION":
      return validationError(c, error.issues);
    case "NOT_FOUND":
      return botampError(c, 404, "not_found", error.message);
    case "CONFLICT":
      return botampError(c, 409, "conflict", error.message);
    case "FORBIDDEN":
      return botampError(c, 403, "forbidden", error.message);
    case "RATE_LIMITED":
      return botampError(c, 429, "rate_limited", error.message, {
        headers: { "Retry-After": String(error.retryAfterSeconds) },
      });
    default:
      return unmapped(error);
  }
}
