import type { Context as HonoContext } from "hono";
import { z } from "zod";
import { type Issue, unmapped } from "../../domain/errors.js";
import {
  type CodedErrorBody,
  type CodedErrorOptions,
  CodedRefusal,
  codedError,
} from "../kit/coded-error.js";
import type { ErrorMapper } from "../kit/errors.js";
import { describeProblems, type InputProblem } from "../kit/pairs.js";

// botamp's document shows no error body, only "400 with the error in the response body" and
// 401. Every error here is `{"error":{"code","message","details"?}}` (see README.md), answered
// by one mapper: botamp's own refusals, zod's, every domain error, and the unexpected (500).

export type BotampErrorBody = CodedErrorBody;
export type BotampErrorOptions = CodedErrorOptions;

export const botampError = codedError<string>;

/** A refusal of botamp's own (a body that is not JSON, text that cannot be stored), thrown. */
export class BotampRefusal extends CodedRefusal {}

/** 400 `invalid_request`, one detail per problem. */
export function invalidRequest(details: InputProblem[]): BotampRefusal {
  return new BotampRefusal(400, "invalid_request", describeProblems(details), { details });
}

/** 400 `invalid_request`, one detail per problem, answered at once (a middleware's refusal). */
export function invalid(c: HonoContext, details: InputProblem[]): Response {
  return botampError(c, 400, "invalid_request", describeProblems(details), { details });
}

/** Domain input names → the names botamp clients send. */
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
export function fieldOf(path: readonly string[]): string {
  let rest = [...path];
  if (rest[0] === "subscribers" && rest[1] === "0") rest = rest.slice(2);
  let field = "subscriber";
  rest.forEach((part, index) => {
    if (/^\d+$/.test(part)) field += `[${part}]`;
    else field += `.${index === 0 ? (FIELD_NAMES[part] ?? part) : part}`;
  });
  return field;
}

function validationError(c: HonoContext, issues: readonly Issue[]): Response {
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

/** zod's problems with a body (its first 20), in the body's own terms. */
export function zodProblems(error: z.ZodError): InputProblem[] {
  return error.issues
    .slice(0, 20)
    .map((issue) => ({ field: bodyPath(issue.path), message: issue.message }));
}

export const botampErrors: ErrorMapper = {
  dialect: "botamp",
  refusal(c, error) {
    if (error instanceof BotampRefusal)
      return botampError(c, error.status, error.code, error.message, error.options);
    if (error instanceof z.ZodError) return invalid(c, zodProblems(error));
    return null;
  },
  domain(c, error) {
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
  },
  // Nothing of the cause leaves the process: the request id finds it in the log.
  internal: (c, requestId) =>
    botampError(
      c,
      500,
      "internal_error",
      requestId
        ? `an unexpected error occurred (request ${requestId})`
        : "an unexpected error occurred",
    ),
};
