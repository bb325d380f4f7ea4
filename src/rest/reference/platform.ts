import type { BotbatApp } from "../botbat/routes.js";

// The answers every /v1 endpoint gives whatever its route lists: `endpoint()` (botbat/endpoint.ts)
// puts the key check, its scope and the rate limit before every handler, and botbat's mapper
// answers anything unexpected with a 500. The reference states them on each operation once, here,
// so that a route which lists only its own answers is still documented truthfully.

export type ReferenceDocument = ReturnType<BotbatApp["getOpenAPI31Document"]>;
type Operation = NonNullable<NonNullable<ReferenceDocument["paths"]>[string]["get"]>;

export const METHODS = [
  "get",
  "put",
  "post",
  "delete",
  "patch",
  "head",
  "options",
  "trace",
] as const;

/** The name of the security scheme every /v1 operation (and botamp's) uses. */
export const BEARER = "bearer";

const ERROR_REF = { $ref: "#/components/schemas/Error" };

const PLATFORM_ANSWERS: Record<string, string> = {
  401: "unauthorized: missing or invalid API key",
  403: "forbidden: the key lacks the endpoint's scope",
  429: "rate_limited: wait Retry-After seconds",
  500: "internal_error: unexpected; the message carries only the request id",
};

/** Each operation of the path's methods, with its method. */
export function operationsOf(item: NonNullable<ReferenceDocument["paths"]>[string]) {
  return METHODS.flatMap((method) => {
    const operation = item[method];
    return operation ? [{ method, operation }] : [];
  });
}

function withPlatformAnswers(operation: Operation): void {
  operation.security ??= [{ [BEARER]: [] }];
  const responses = operation.responses ?? {};
  for (const [status, description] of Object.entries(PLATFORM_ANSWERS)) {
    responses[status] ??= {
      description,
      content: { "application/json": { schema: ERROR_REF } },
    };
  }
  operation.responses = responses;
}

/** Adds the bearer key and the platform's error answers to every /v1 operation of `document`. */
export function applyPlatformRules(document: ReferenceDocument): ReferenceDocument {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (!path.startsWith("/v1/")) continue;
    for (const { operation } of operationsOf(item)) withPlatformAnswers(operation);
  }
  return document;
}
