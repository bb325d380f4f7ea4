import { GraphQLError, type GraphQLErrorOptions } from "graphql";

/** The client's mistake, as every GraphQL error of this API names it: BAD_USER_INPUT. */
export function badUserInput(message: string, options: GraphQLErrorOptions = {}): GraphQLError {
  return new GraphQLError(message, {
    ...options,
    extensions: { ...options.extensions, code: "BAD_USER_INPUT" },
  });
}
