import { z } from "@hono/zod-openapi";

// Schemas every endpoint's reference shares: the error envelope and its statuses.

/** The `{id}` of a resource's path: its public id (another account's is 404, never 403). */
export const idParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});

/** A JSON response of the reference: its schema and what it is. */
export const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum([
        "invalid_request",
        "unauthorized",
        "forbidden",
        "not_found",
        "conflict",
        "validation_error",
        "payload_too_large",
        "rate_limited",
        "internal_error",
      ]),
      message: z.string(),
      details: z
        .array(z.object({ field: z.string(), message: z.string() }))
        .optional()
        .openapi({ description: "One entry per bad field (validation_error)." }),
    }),
  })
  .openapi("Error");

const DESCRIPTIONS = {
  400: "invalid_request: malformed body, bad cursor",
  401: "unauthorized: missing or invalid API key",
  403: "forbidden: the key lacks the endpoint's scope",
  404: "not_found: no such resource in this account",
  409: "conflict: the resource's state forbids it",
  413: "payload_too_large: the body is over the limit",
  422: "validation_error: see details",
  429: "rate_limited: wait Retry-After seconds",
} as const;

type ErrorStatus = keyof typeof DESCRIPTIONS;

interface ErrorResponse {
  description: string;
  content: { "application/json": { schema: typeof errorSchema } };
}

/** The error answers an endpoint may give, for its reference (500 is implied everywhere). */
export function errorResponses<S extends ErrorStatus>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: DESCRIPTIONS[status],
        content: { "application/json": { schema: errorSchema } },
      },
    ]),
  ) as unknown as Record<S, ErrorResponse>;
}
