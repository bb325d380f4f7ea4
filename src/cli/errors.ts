import { isDomainError, unmapped } from "../domain/errors.js";
import { UsageError } from "./usage.js";

// The CLI's one error mapper: one line on stderr and an exit code, 2 for what the user typed (a
// usage or a validation error, with the hint to --help) and 1 for everything else.

const HINT = '\nRun "contact-gateway --help" for usage.';

export function failure(error: unknown): { code: 1 | 2; line: string } {
  const said = (code: 1 | 2, message: string, hint = "") => ({
    code,
    line: `contact-gateway: ${message}${hint}\n`,
  });
  if (error instanceof UsageError) return said(2, error.message, HINT);
  if (!isDomainError(error)) return said(1, error instanceof Error ? error.message : String(error));
  switch (error.code) {
    case "VALIDATION":
      return said(2, error.message, HINT);
    case "NOT_FOUND":
    case "CONFLICT":
    case "FORBIDDEN":
    case "RATE_LIMITED":
      return said(1, error.message);
    default:
      return unmapped(error);
  }
}
