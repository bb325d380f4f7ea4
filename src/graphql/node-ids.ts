import { type GraphQLResolveInfo, isObjectType } from "graphql";
import { decodeGlobalId } from "../global-ids.js";
import { badUserInput } from "./bad-input.js";

// The ids `node(id:)` and `nodes(ids:)` take. Relay's plugin answers a malformed id or one of
// an unknown type with an error that has no `extensions.code`; every other GraphQL error of
// this API has one, so clients can tell their mistake (BAD_USER_INPUT) from ours.

export interface DecodedId {
  typename: string;
  id: string;
}

/** The relay plugin's `decodeGlobalID`: a malformed id is the client's mistake. */
export function decodeNodeId(globalId: string): DecodedId {
  const decoded = decodeGlobalId(globalId);
  // JSON.stringify: the id is the client's text, shown quoted and escaped.
  if (decoded === null) throw badUserInput(`${JSON.stringify(globalId)} is not a global id`);
  return decoded;
}

/** Throws BAD_USER_INPUT unless each id names a type that implements Node. */
export function checkNodeTypes(ids: readonly DecodedId[], info: GraphQLResolveInfo): void {
  for (const { typename } of ids) {
    const type = info.schema.getType(typename);
    const isNode =
      isObjectType(type) && type.getInterfaces().some((candidate) => candidate.name === "Node");
    if (!isNode) {
      throw badUserInput(
        `a global id names the type ${JSON.stringify(typename)}, which has no ids`,
      );
    }
  }
}
