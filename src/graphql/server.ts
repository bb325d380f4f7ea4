import { EnvelopArmorPlugin } from "@escape.tech/graphql-armor";
import { renderGraphiQL } from "@graphql-yoga/render-graphiql";
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import type { Context as DomainContext } from "../domain/context.js";
import type { GraphQLContext } from "./context.js";
import { schema } from "./schema.js";

/** What the HTTP layer hands to each GraphQL request. */
export interface GraphQLServerContext {
  domain: DomainContext | null;
}

export const graphqlLimits = {
  maxDepth: 12,
  maxAliases: 15,
  maxTokens: 2_000,
  maxCost: 5_000,
  maxDirectives: 20,
};

export function createGraphQLServer(): YogaServerInstance<GraphQLServerContext, GraphQLContext> {
  return createYoga<GraphQLServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: "/graphql",
    // GraphiQL's assets are inlined by render-graphiql: nothing is loaded from a CDN.
    renderGraphiQL,
    graphiql: {
      title: "contact-gateway",
      defaultQuery:
        '# Add your key in Headers: { "Authorization": "Bearer <key>" }\n{\n  viewer {\n    account { name sid }\n  }\n}\n',
    },
    landingPage: false,
    logging: false,
    // Unexpected errors reach clients as "Unexpected error." with no stack; the HTTP layer logs them.
    maskedErrors: true,
    context: ({ domain }) => ({ domain }),
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: graphqlLimits.maxDepth, ignoreIntrospection: true },
        maxAliases: { n: graphqlLimits.maxAliases },
        maxTokens: { n: graphqlLimits.maxTokens },
        maxDirectives: { n: graphqlLimits.maxDirectives },
        costLimit: { maxCost: graphqlLimits.maxCost, ignoreIntrospection: true },
        blockFieldSuggestion: { enabled: false },
      }),
    ],
  });
}
