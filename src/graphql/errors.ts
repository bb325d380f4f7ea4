import { Conflict, NotFound, Validation } from "../domain/errors.js";
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

const IssueRef = builder
  .objectRef<{ path: string[]; message: string }>("ValidationIssue")
  .implement({
    fields: (t) => ({
      path: t.exposeStringList("path", {
        description: "Path of the bad input field, from the mutation's input.",
      }),
      message: t.exposeString("message"),
    }),
  });

builder.objectType(Validation, {
  name: "ValidationError",
  interfaces: [ErrorInterface],
  fields: (t) => ({ issues: t.field({ type: [IssueRef], resolve: (error) => error.issues }) }),
});

builder.objectType(Conflict, {
  name: "ConflictError",
  description:
    "The change conflicts with the resource's state (a duplicate, or a campaign that is no longer a draft).",
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

export const mutationErrors = [Validation, NotFound, Conflict];
