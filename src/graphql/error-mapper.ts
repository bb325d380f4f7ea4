import { GraphQLError, type GraphQLErrorOptions } from "graphql";
import { maskError } from "graphql-yoga";
import { type DomainError, isDomainError, unmapped } from "../domain/errors.js";
import { inputPath, validationMessage } from "./errors.js";

// GraphQL's one mapper from domain errors. A mutation that lists an error type answers it as data
// (errors.ts); any other domain error leaves here as a GraphQL error with a code, and anything that
// is not a domain error, a GraphQL error we meant, is masked as "Unexpected error.".

function graphqlErrorOf(error: DomainError, at: GraphQLErrorOptions): GraphQLError {
  const withCode = (code: string, extensions: Record<string, unknown> = {}) => ({
    ...at,
    originalError: error,
    extensions: { code, ...extensions },
  });
  switch (error.code) {
    case "NOT_FOUND":
      return new GraphQLError(error.message, withCode("NOT_FOUND", { resource: error.resource }));
    case "VALIDATION":
      return new GraphQLError(
        validationMessage(error),
        withCode("BAD_USER_INPUT", {
          issues: error.issues.map((issue) => ({ path: inputPath(issue), message: issue.message })),
        }),
      );
    case "CONFLICT":
      return new GraphQLError(error.message, withCode("CONFLICT"));
    case "FORBIDDEN":
      return new GraphQLError(error.message, withCode("FORBIDDEN"));
    case "RATE_LIMITED":
      return new GraphQLError(
        error.message,
        withCode("RATE_LIMITED", { retryAfterSeconds: error.retryAfterSeconds }),
      );
    default:
      return unmapped(error);
  }
}

/** The error a resolver threw, if it is a domain error (graphql-js wraps it once). */
export function domainErrorIn(error: unknown): DomainError | null {
  const cause = error instanceof GraphQLError ? error.originalError : error;
  return isDomainError(cause) ? cause : null;
}

/** yoga's `maskedErrors.maskError`: domain errors by code, the unexpected masked. */
export function mapGraphQLError(error: unknown, message: string): Error {
  const domain = domainErrorIn(error);
  if (!domain) return maskError(error, message);
  const at: GraphQLErrorOptions =
    error instanceof GraphQLError
      ? { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path }
      : {};
  return graphqlErrorOf(domain, at);
}
