import { decodeGlobalID } from "@pothos/plugin-relay";
import { GraphQLError, type GraphQLResolveInfo, isObjectType } from "graphql";

// The ids `node(id:)` and `nodes(ids:)` take. Relay's plugin answers a malformed id or one of
// an unknown type with an error that has no `extensions.code`; every other GraphQL error of
// this API has one, so clients can tell their mistake (BAD_USER_INPUT) from ours.

export interface DecodedId {
  typename: string;
  id: string;
}

/** Every public id is 32 lowercase hex: anything else is no id we ever issued. */
const PUBLIC_ID = /^[0-9a-f]{32}$/;

function badId(globalId: string, why: string): GraphQLError {
  // JSON.stringify: the id is the client's text, shown quoted and escaped.
  return new GraphQLError(`${JSON.stringify(globalId)} ${why}`, {
    extensions: { code: "BAD_USER_INPUT" },
  });
}

/** The relay plugin's `decodeGlobalID`: a malformed id is the client's mistake. */
export function decodeNodeId(globalId: string): DecodedId {
  let decoded: DecodedId;
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    throw badId(globalId, "is not a global id");
  }
  if (!PUBLIC_ID.test(decoded.id)) throw badId(globalId, "is not a global id");
  return decoded;
}

/** Throws BAD_USER_INPUT unless each id names a type that implements Node. */
export function checkNodeTypes(ids: readonly DecodedId[], info: GraphQLResolveInfo): void {
  for (const { typename } of ids) {
    const type = info.schema.getType(typename);
    const isNode =
      isObjectType(type) && type.getInterfaces().some((candidate) => candidate.name === "Node");
    if (!isNode) {
      throw new GraphQLError(
        `a global id names the type ${JSON.stringify(typename)}, which has no ids`,
        { extensions: { code: "BAD_USER_INPUT" } },
      );
    }
  }
}
