import type { Context as HonoContext } from "hono";
import { HTTPException } from "hono/http-exception";
import { z } from "zod";
import { type Issue, unmapped } from "../../domain/errors.js";
import {
  type CodedErrorBody,
  type CodedErrorOptions,
  CodedRefusal,
  codedError,
} from "../kit/coded-error.js";
import type { ErrorMapper } from "../kit/errors.js";
import type { InputProblem } from "../kit/pairs.js";

// The document's error table, exactly: `{"error":{"code","message","details"?}}` with 400
// invalid_request, 401 unauthorized, 403 forbidden, 404 not_found, 409 conflict, 422
// validation_error (one detail per bad field), 429 rate_limited and 500 internal_error. One
// mapper answers botbat's own refusals, zod's, hono's, every domain error and the unexpected.

export type BotbatCode =
  | "invalid_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "validation_error"
  | "payload_too_large"
  | "rate_limited"
  | "internal_error";

/** One bad field: where it is in the request (`email`, `properties.plan`, `tags[2]`) and why. */
export type FieldProblem = InputProblem;

export type BotbatErrorBody = CodedErrorBody<BotbatCode>;
export type BotbatErrorOptions = CodedErrorOptions;

export const botbatError = codedError<BotbatCode>;

/** A refusal of botbat's own (a bad cursor, a body that is not JSON), thrown by a handler. */
export class BotbatRefusal extends CodedRefusal<BotbatCode> {}

/** 400 `invalid_request`: the request cannot be read (malformed body, bad cursor). */
export function invalidRequest(message: string): BotbatRefusal {
  return new BotbatRefusal(400, "invalid_request", message);
}

/** 422 `validation_error` with one detail per problem. */
export function validationFailed(details: FieldProblem[]): BotbatRefusal {
  return new BotbatRefusal(422, "validation_error", summary(details), { details });
}

export function summary(details: readonly FieldProblem[]): string {
  if (details.length === 0) return "the request is not valid";
  const [first] = details;
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : "";
  return `${first?.field}: ${first?.message}${more}`;
}

/** A path in a request ([ "properties", "plan" ], [ "tags", 2 ]) as `properties.plan`, `tags[2]`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const part of path) {
    if (typeof part === "number" || /^\d+$/.test(String(part))) text += `[${String(part)}]`;
    else text += text === "" ? String(part) : `.${String(part)}`;
  }
  return text || "body";
}

/** Domain input names → botbat's field names (the rest are the same words). */
const FIELD_NAMES: Record<string, string> = {
  firstName: "first_name",
  lastName: "last_name",
  customValues: "properties",
  templateId: "template_id",
  scheduledAt: "scheduled_at",
  listIds: "audience.list_ids",
  tagIds: "audience.tag_ids",
  contactId: "contact_id",
  agentId: "agent_id",
};

/** A domain issue's path (["email"], ["customValues", "plan"]) as the client's field. */
export function fieldOfIssue(path: readonly string[]): string {
  const [head, ...rest] = path;
  if (head === undefined) return "body";
  return fieldPath([FIELD_NAMES[head] ?? head, ...rest]);
}

/** zod's problems (its first 50), each as the field the client sent. */
export function zodProblems(error: z.ZodError): FieldProblem[] {
  return error.issues
    .slice(0, 50)
    .map((issue) => ({ field: fieldPath(issue.path), message: issue.message }));
}

/** The product's resource names as botbat's clients know them. */
const RESOURCE_NAMES: Record<string, string> = {
  Subscriber: "contact",
  List: "segment",
  Import: "import",
  Webhook: "webhook",
  Tag: "tag",
  CustomField: "property",
};

function notFoundMessage(resource: string, id: string | undefined): string {
  const name = RESOURCE_NAMES[resource] ?? resource.toLowerCase();
  return id === undefined ? `${name} not found` : `${name} ${id} not found`;
}

function validationError(c: HonoContext, issues: readonly Issue[]): Response {
  const details = issues.map((issue) => ({
    field: fieldOfIssue(issue.path),
    message: issue.message,
  }));
  return botbatError(c, 422, "validation_error", summary(details), { details });
}

export const botbatErrors: ErrorMapper = {
  dialect: "botbat",
  refusal(c, error) {
    if (error instanceof BotbatRefusal)
      return botbatError(c, error.status, error.code, error.message, error.options);
    if (error instanceof z.ZodError) {
      const details = zodProblems(error);
      return botbatError(c, 422, "validation_error", summary(details), { details });
    }
    // hono's validator: a body that claims JSON and is not (400); zod-openapi's gate: a body
    // of another media type than the route's (415, which the document's table does not have).
    if (error instanceof HTTPException && error.status === 415)
      return botbatError(
        c,
        400,
        "invalid_request",
        "send the body as Content-Type: application/json",
      );
    if (error instanceof HTTPException && error.status >= 400 && error.status < 500)
      return botbatError(c, 400, "invalid_request", error.message);
    return null;
  },
  domain(c, error) {
    switch (error.code) {
      case "VALIDATION":
        return validationError(c, error.issues);
      case "NOT_FOUND":
        return botbatError(c, 404, "not_found", notFoundMessage(error.resource, error.id));
      case "CONFLICT":
        return botbatError(c, 409, "conflict", error.message);
      case "FORBIDDEN":
        return botbatError(c, 403, "forbidden", error.message);
      case "RATE_LIMITED":
        return botbatError(c, 429, "rate_limited", error.message, {
          headers: { "Retry-After": String(error.retryAfterSeconds) },
        });
      default:
        return unmapped(error);
    }
  },
  // Nothing of the cause leaves the process: the request id finds it in the log.
  internal: (c, requestId) =>
    botbatError(
      c,
      500,
      "internal_error",
      requestId
        ? `an unexpected error occurred (request ${requestId})`
        : "an unexpected error occurred",
    ),
};
