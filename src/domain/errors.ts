// The errors every domain function may throw, one closed set: each surface maps every code with a
// `switch` that ends in `unmapped(error)`, so a new code fails to compile until each surface
// answers it (GraphQL: graphql/error-mapper.ts; REST: each dialect's errors.ts).

export type DomainErrorCode =
  | "NOT_FOUND"
  | "VALIDATION"
  | "CONFLICT"
  | "FORBIDDEN"
  | "RATE_LIMITED";

abstract class DomainErrorBase extends Error {
  abstract readonly code: DomainErrorCode;
}

export class NotFound extends DomainErrorBase {
  readonly code = "NOT_FOUND";
  constructor(
    readonly resource: string,
    readonly id?: string,
  ) {
    super(id === undefined ? `${resource} not found` : `${resource} ${id} not found`);
  }
}

export interface Issue {
  /**
   * Path of the bad field in the domain's terms: ["email"], ["subscribers", "3", "birthday"],
   * ["customValues", "age"]. Surfaces rename it (GraphQL prefixes its `input` argument).
   */
  path: string[];
  message: string;
}

export class Validation extends DomainErrorBase {
  readonly code = "VALIDATION";
  constructor(readonly issues: Issue[]) {
    super(issues.map((issue) => `${issue.path.join(".") || "input"}: ${issue.message}`).join("; "));
  }

  static of(path: string[], message: string): Validation {
    return new Validation([{ path, message }]);
  }
}

export class Conflict extends DomainErrorBase {
  readonly code = "CONFLICT";
}

export class Forbidden extends DomainErrorBase {
  readonly code = "FORBIDDEN";
}

export class RateLimited extends DomainErrorBase {
  readonly code = "RATE_LIMITED";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** Every domain error; `switch (error.code)` narrows it to the class. */
export type DomainError = NotFound | Validation | Conflict | Forbidden | RateLimited;

// Compile-time: the union above holds exactly one class per code.
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const everyCodeHasItsClass: Exactly<DomainError["code"], DomainErrorCode> = true;
void everyCodeHasItsClass;

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainErrorBase;
}

/** The `default` of a mapper's switch: compiles only when every code has its case. */
export function unmapped(error: never): never {
  throw new Error(`unmapped domain error: ${String((error as { code?: unknown }).code)}`);
}

/** The unique index a Postgres unique violation (23505) names; null for any other error. */
export function violatedUniqueIndex(error: unknown): string | null {
  if (typeof error !== "object" || error === null) return null;
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === "23505" && typeof constraint === "string" ? constraint : null;
}
