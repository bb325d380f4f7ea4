/** The errors every domain function may throw; each surface maps them to its own format. */
export abstract class DomainError extends Error {
  abstract readonly code: string;
}

export class NotFound extends DomainError {
  readonly code = "NOT_FOUND";
  constructor(
    readonly resource: string,
    readonly id?: string,
  ) {
    super(id === undefined ? `${resource} not found` : `${resource} ${id} not found`);
  }
}

export interface Issue {
  /** Path of the bad input field, e.g. ["input", "email"] or ["customValues", "age"]. */
  path: string[];
  message: string;
}

export class Validation extends DomainError {
  readonly code = "VALIDATION";
  constructor(readonly issues: Issue[]) {
    super(issues.map((issue) => `${issue.path.join(".") || "input"}: ${issue.message}`).join("; "));
  }

  static of(path: string[], message: string): Validation {
    return new Validation([{ path, message }]);
  }
}

export class Conflict extends DomainError {
  readonly code = "CONFLICT";
}

export class Forbidden extends DomainError {
  readonly code = "FORBIDDEN";
}

export class RateLimited extends DomainError {
  readonly code = "RATE_LIMITED";
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** The unique index a Postgres unique violation (23505) names; null for any other error. */
export function violatedUniqueIndex(error: unknown): string | null {
  if (typeof error !== "object" || error === null) return null;
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === "23505" && typeof constraint === "string" ? constraint : null;
}
