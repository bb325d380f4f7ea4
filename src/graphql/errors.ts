import { Conflict, type Issue, NotFound, Validation } from "../domain/errors.js";
import { builder } from "./builder.js";

// Domain errors are the GraphQL error types: a mutation lists the ones it may return.

const ErrorInterface = builder.interfaceRef<Error>("Error").implement({
  fields: (t) => ({ message: t.exposeString("message") }),
});

builder.objectType(NotFound, {
  name: "NotFoundError",
  description:
    "No resource with that id in this account (ids of other accounts look exactly the same).",
  interfaces: [ErrorInterface],
  fields: (t) => ({ resource: t.exposeString("resource") }),
});

/**
 * Every mutation takes its fields in one `input` argument, so a domain path (["email"]) is the
 * client's path under it (["input", "email"]): the one place GraphQL renames domain paths.
 */
export function inputPath(issue: Issue): string[] {
  return ["input", ...issue.path];
}

/** "input.email: is not an email address; …", the message of a ValidationError. */
export function validationMessage(error: Validation): string {
  return error.issues.map((issue) => `${inputPath(issue).join(".")}: ${issue.message}`).join("; ");
}

const IssueRef = builder.objectRef<Issue>("ValidationIssue").implement({
  fields: (t) => ({
    path: t.stringList({
      description: "Path of the bad input field, from the mutation's input.",
      resolve: inputPath,
    }),
    message: t.exposeString("message"),
  }),
});

builder.objectType(Validation, {
  name: "ValidationError",
  interfaces: [ErrorInterface],
  fields: (t) => ({
    // The interface's `message`, with the client's paths rather than the domain's.
    message: t.string({ resolve: validationMessage }),
    issues: t.field({ type: [IssueRef], resolve: (error) => error.issues }),
  }),
});

builder.objectType(Conflict, {
  name: "ConflictError",
  description:
    "The change conflicts with the resource's state (a duplicate, or a campaign that is no longer a draft).",
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

export const mutationErrors = [Validation, NotFound, Conflict];
