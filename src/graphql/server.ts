import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { GraphQLError } from "graphql";
import { createYoga, isAsyncIterable, type Plugin, type YogaServerInstance } from "graphql-yoga";
import type { Context as DomainContext } from "../domain/context.js";
import type { Logger } from "../log.js";
import type { RealtimeChanges } from "../realtime/listener.js";
import type { GraphQLContext } from "./context.js";
import { domainErrorIn, mapGraphQLError } from "./error-mapper.js";
import { useEventContexts } from "./event-contexts.js";
import { useOrderedExecution } from "./ordered-execution.js";
import { schema } from "./schema.js";
import { useStorableText } from "./storable.js";

/** What the HTTP layer hands to each GraphQL request. */
export interface GraphQLServerContext {
  domain: DomainContext | null;
  /** The request's logger, which carries its request id. */
  log: Logger;
  /** Where subscriptions hear of changes; absent, subscriptions are refused. */
  realtime?: RealtimeChanges | null;
}

export const graphqlLimits = {
  maxDepth: 12,
  maxAliases: 15,
  maxTokens: 2_000,
  // armor multiplies a connection's cost by its `first`: a full page of 100 campaigns with their
  // lists and tags costs about 8,000, a page of 100 subscribers with everything about 12,000.
  // 50,000 lets every such page through and stops nested pages (100 × 100) and alias floods.
  maxCost: 50_000,
  maxDirectives: 20,
};

/**
 * armor rejects with a GraphQLError that has no code and a misleading "Syntax Error:" prefix.
 * Its onReject hook sees the error before it is thrown: give it a code and a plain message.
 */
function rejectAs(code: string) {
  return [
    (_context: unknown, error: GraphQLError) => {
      error.message = error.message.replace(/^Syntax Error: /, "");
      Object.assign(error.extensions, { code });
    },
  ];
}

const STATUS_OF_CODE: Record<string, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_REQUEST: 400,
  BAD_USER_INPUT: 400,
  GRAPHQL_PARSE_FAILED: 400,
  GRAPHQL_VALIDATION_FAILED: 400,
  QUERY_TOO_DEEP: 400,
  TOO_MANY_ALIASES: 400,
  TOO_MANY_TOKENS: 400,
  TOO_MANY_DIRECTIVES: 400,
  QUERY_TOO_COSTLY: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  // A masked unexpected error that left no data: the failure is ours.
  INTERNAL_SERVER_ERROR: 500,
};

/**
 * A request that produced no data at all is answered with the status of its error, whatever the
 * Accept header (yoga keeps 200 for `application/json`, as GraphQL over HTTP allows; clients and
 * proxies read a status more readily than a body). A partial result stays 200: its data is good.
 * A request error without a code (a variable of the wrong type) gets BAD_USER_INPUT.
 */
function useErrorStatus(): Plugin {
  return {
    onResultProcess({ result }) {
      if (Array.isArray(result) || isAsyncIterable(result)) return;
      if (!result.errors?.length || ("data" in result && result.data != null)) return;
      const requestError = !("data" in result);
      for (const error of result.errors) {
        if (!(error instanceof GraphQLError)) continue;
        const extensions = error.extensions as Record<string, unknown>;
        if (requestError && extensions.code === undefined && !extensions.unexpected) {
          extensions.code = error.message.startsWith('Variable "$')
            ? "BAD_USER_INPUT"
            : "BAD_REQUEST";
        }
        const status = STATUS_OF_CODE[String(extensions.code)];
        if (status !== undefined) extensions.http = { status };
      }
    },
  };
}

/** The error a resolver threw when it is not one we meant clients to see. */
function unexpectedCause(error: GraphQLError): Error | null {
  if (domainErrorIn(error)) return null;
  let cause: unknown = error.originalError;
  while (cause instanceof GraphQLError && cause.originalError) cause = cause.originalError;
  return cause instanceof Error && !(cause instanceof GraphQLError) ? cause : null;
}

/**
 * Unexpected errors reach clients as "Unexpected error." (maskedErrors); this logs the real one
 * with the request id before it is masked, so the two can be matched.
 */
function useUnexpectedErrorLog(fallback: Logger): Plugin<GraphQLServerContext> {
  return {
    onExecute({ args }) {
      const log = (args.contextValue as Partial<GraphQLServerContext>).log ?? fallback;
      return {
        onExecuteDone({ result }) {
          if (isAsyncIterable(result)) return;
          for (const error of result.errors ?? []) {
            const cause = unexpectedCause(error);
            if (cause) {
              log.error(
                { err: cause, path: error.path?.join(".") },
                "unexpected error in a resolver",
              );
            }
          }
        },
      };
    },
  };
}

export interface GraphQLServerOptions {
  /** Compiled plans for the documents they answer (compiled.ts); false: graphql-js for all. */
  compiledPlans?: boolean;
}

export function createGraphQLServer(
  log: Logger,
  options: GraphQLServerOptions = {},
): YogaServerInstance<GraphQLServerContext, GraphQLContext> {
  return createYoga<GraphQLServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: "/graphql",
    // GraphiQL's assets are inlined by render-graphiql: nothing is loaded from a CDN. Its module
    // is 9 MB of JavaScript: loaded when GraphiQL is first asked for, not at every start.
    renderGraphiQL: async (options) =>
      (await import("@graphql-yoga/render-graphiql")).renderGraphiQL(options),
    graphiql: {
      title: "contact-gateway",
      defaultQuery:
        "# Put your API key in the Headers tab below, then run.\n{\n  viewer {\n    account { name sid }\n    scopes\n  }\n}\n",
      // The Headers tab starts with the one header every request needs.
      headers: JSON.stringify(
        { Authorization: "Bearer <the key printed at first start>" },
        null,
        2,
      ),
    },
    landingPage: false,
    // yoga would log each masked error without the request id; useUnexpectedErrorLog does it.
    logging: false,
    // Unexpected errors reach clients as "Unexpected error." with no stack.
    maskedErrors: { maskError: mapGraphQLError },
    context: ({ domain, log, realtime }) => ({ domain, log, realtime }),
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: {
          n: graphqlLimits.maxDepth,
          ignoreIntrospection: true,
          onReject: rejectAs("QUERY_TOO_DEEP"),
        },
        maxAliases: { n: graphqlLimits.maxAliases, onReject: rejectAs("TOO_MANY_ALIASES") },
        maxTokens: { n: graphqlLimits.maxTokens, onReject: rejectAs("TOO_MANY_TOKENS") },
        maxDirectives: {
          n: graphqlLimits.maxDirectives,
          onReject: rejectAs("TOO_MANY_DIRECTIVES"),
        },
        costLimit: {
          maxCost: graphqlLimits.maxCost,
          ignoreIntrospection: true,
          onReject: rejectAs("QUERY_TOO_COSTLY"),
        },
        blockFieldSuggestion: { enabled: false },
      }),
      useOrderedExecution({ compiledPlans: options.compiledPlans }),
      useEventContexts(),
      useStorableText(),
      useUnexpectedErrorLog(log),
      useErrorStatus(),
    ],
  });
}
