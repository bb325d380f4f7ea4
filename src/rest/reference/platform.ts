import type { BotbatApp } from "../botbat/routes.js";

// What every /v1 endpoint does whatever its route lists: `endpoint()` (botbat/endpoint.ts) puts
// the key check and its scope, the key's rate limit and, on a POST, the Idempotency-Key before
// every handler, and botbat's mapper answers anything unexpected with a 500. The reference states
// these on each operation, here, once, so a route that lists only its own answers is still
// documented truthfully.

export type ReferenceDocument = ReturnType<BotbatApp["getOpenAPI31Document"]>;
type Operation = NonNullable<NonNullable<ReferenceDocument["paths"]>[string]["get"]>;
type Components = NonNullable<ReferenceDocument["components"]>;

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

/** A POST's answers to its Idempotency-Key (src/rest/kit/idempotency.ts). */
const IDEMPOTENCY_ANSWERS: Record<string, string> = {
  400: "invalid_request: a malformed body or Idempotency-Key",
  409: "conflict: the first request with this Idempotency-Key is still running",
  422: "validation_error: see details (also: this Idempotency-Key was used with another request)",
};

const INTEGER = { type: "integer" as const };

/** The headers of the rate limit (src/rest/kit/rate-limit.ts), by the name the answers use. */
const HEADERS: Components["headers"] = {
  "X-RateLimit-Limit": {
    description: "Requests the key may make to this endpoint per window.",
    schema: INTEGER,
  },
  "X-RateLimit-Remaining": {
    description: "Requests left in the current window.",
    schema: INTEGER,
  },
  "X-RateLimit-Reset": {
    description: "When the window ends, in Unix seconds.",
    schema: INTEGER,
  },
  "Retry-After": {
    description: "Seconds to wait before the next request.",
    schema: INTEGER,
  },
};

const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** A live key is counted before its scope is checked (a 403 counts); a 401 counts nothing. */
const UNCOUNTED = new Set(["401"]);

const IDEMPOTENCY_KEY = {
  name: "Idempotency-Key",
  in: "header" as const,
  required: false,
  description:
    "Makes a retry safe: the same key with the same request gets the first answer again " +
    "(status and body, with `Idempotent-Replayed: true`) and does nothing twice; with another " +
    "request it is 422; while the first still runs, a retry waits, then 409. Keys expire after " +
    "24 hours.",
  schema: { type: "string" as const, minLength: 1, maxLength: 255 },
};

/** Each operation of the path's methods, with its method. */
export function operationsOf(item: NonNullable<ReferenceDocument["paths"]>[string]) {
  return METHODS.flatMap((method) => {
    const operation = item[method];
    return operation ? [{ method, operation }] : [];
  });
}

function addAnswers(operation: Operation, answers: Record<string, string>): void {
  const responses = operation.responses ?? {};
  for (const [status, description] of Object.entries(answers)) {
    responses[status] ??= {
      description,
      content: { "application/json": { schema: ERROR_REF } },
    };
  }
  operation.responses = responses;
}

function addRateLimitHeaders(operation: Operation): void {
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    if (UNCOUNTED.has(status) || "$ref" in response) continue;
    const headers = { ...response.headers };
    for (const name of ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"])
      headers[name] ??= headerRef(name);
    if (status === "429") headers["Retry-After"] ??= headerRef("Retry-After");
    response.headers = headers;
  }
}

function addIdempotencyKey(operation: Operation): void {
  const parameters = operation.parameters ?? [];
  const declared = parameters.some(
    (parameter) =>
      !("$ref" in parameter) &&
      parameter.in === "header" &&
      parameter.name.toLowerCase() === "idempotency-key",
  );
  if (!declared) operation.parameters = [...parameters, IDEMPOTENCY_KEY];
  addAnswers(operation, IDEMPOTENCY_ANSWERS);
}

/** Adds the key, the platform's answers and headers to every /v1 operation of `document`. */
export function applyPlatformRules(document: ReferenceDocument): ReferenceDocument {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (!path.startsWith("/v1/")) continue;
    for (const { method, operation } of operationsOf(item)) {
      operation.security ??= [{ [BEARER]: [] }];
      addAnswers(operation, PLATFORM_ANSWERS);
      if (method === "post") addIdempotencyKey(operation);
      addRateLimitHeaders(operation);
    }
  }
  const components = document.components ?? {};
  return {
    ...document,
    components: { ...components, headers: { ...HEADERS, ...components.headers } },
  };
}
