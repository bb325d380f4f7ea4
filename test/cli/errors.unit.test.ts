import { describe, expect, it } from "vitest";
import { failure } from "../../src/cli/errors.js";
import { UsageError } from "../../src/cli/usage.js";
import { Conflict, NotFound, RateLimited, Validation } from "../../src/domain/errors.js";

// The CLI's mapper: what the user typed is exit 2 with the hint to --help; the rest is exit 1.

const HINT = 'Run "contact-gateway --help" for usage.';

describe("the CLI's error mapper", () => {
  it("answers a usage error and a validation error with 2 and the hint", () => {
    expect(failure(new UsageError("unknown command: frobnicate"))).toEqual({
      code: 2,
      line: `contact-gateway: unknown command: frobnicate\n${HINT}\n`,
    });
    const invalid = failure(Validation.of(["ownerEmail"], '"x" is not an email address'));
    expect(invalid.code).toBe(2);
    expect(invalid.line).toBe(
      `contact-gateway: ownerEmail: "x" is not an email address\n${HINT}\n`,
    );
  });

  it("answers every other domain error with 1 and its message, without the hint", () => {
    for (const error of [
      new NotFound("Account", "abc"),
      new Conflict("the list is not empty"),
      new RateLimited("slow down", 3),
    ]) {
      expect(failure(error)).toEqual({ code: 1, line: `contact-gateway: ${error.message}\n` });
    }
  });

  it("answers the unexpected with 1 and one line, whatever was thrown", () => {
    expect(failure(new Error("connect ECONNREFUSED 127.0.0.1:5432"))).toEqual({
      code: 1,
      line: "contact-gateway: connect ECONNREFUSED 127.0.0.1:5432\n",
    });
    expect(failure("a string")).toEqual({ code: 1, line: "contact-gateway: a string\n" });
  });
});
