import SchemaBuilder from "@pothos/core";
import DataloaderPlugin from "@pothos/plugin-dataloader";
import ErrorsPlugin from "@pothos/plugin-errors";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { GraphQLError } from "graphql";
import { grants, type Scope } from "../domain/accounts/scopes.js";
import type { GraphQLContext } from "./context.js";
import { checkNodeTypes, decodeNodeId } from "./node-ids.js";

// The builder only configures: types live in their own files, imported by schema.ts.

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: { scope: Scope; authenticated: boolean };
  DefaultFieldNullability: false;
  Scalars: {
    ID: { Input: string; Output: string };
    DateTime: { Input: Date; Output: Date | string };
    Date: { Input: string; Output: string };
    JSON: { Input: unknown; Output: unknown };
    File: { Input: File; Output: never };
  };
}>({
  defaultFieldNullability: false,
  plugins: [ScopeAuthPlugin, ErrorsPlugin, RelayPlugin, DataloaderPlugin],
  scopeAuth: {
    // A subscription's scopes are checked once, when it starts: it is refused, not left open
    // yielding errors (the types it yields still check theirs on every event).
    authorizeOnSubscribe: true,
    authScopes: (context) => ({
      scope: (wanted: Scope) => !!context.domain?.key && grants(context.domain.key.scopes, wanted),
      authenticated: !!context.domain,
    }),
    unauthorizedError: (_parent, context, info) => {
      if (!context.domain) {
        return new GraphQLError("An API key is required: send `Authorization: Bearer <key>`.", {
          extensions: { code: "UNAUTHENTICATED" },
        });
      }
      return new GraphQLError(
        `The API key lacks the scope this field needs (${info.parentType.name}.${info.fieldName}).`,
        {
          extensions: { code: "FORBIDDEN" },
        },
      );
    },
  },
  relay: {
    clientMutationId: "omit",
    cursorType: "String",
    decodeGlobalID: decodeNodeId,
    nodeQueryOptions: {
      nullable: true,
      resolve: (_root, args, _context, info, resolveNode) => {
        checkNodeTypes([args.id], info);
        return resolveNode(args.id);
      },
    },
    nodesQueryOptions: {
      nullable: { list: false, items: true },
      resolve: (_root, args, _context, info, resolveNodes) => {
        checkNodeTypes(args.ids, info);
        return resolveNodes(args.ids);
      },
    },
  },
  errors: {
    defaultTypes: [],
    // A mutation answers its Relay payload or one of its error types, with no wrapper object.
    directResult: true,
  },
});

builder.queryType({});
builder.mutationType({});
