import { badUserInput } from "./bad-input.js";
import { decodeGlobalIdOf } from "./ids.js";

/**
 * The public id inside a global id given to a filter. A malformed id, or one of another type,
 * is the client's mistake (BAD_USER_INPUT); a well-formed id nobody has simply matches nothing,
 * as does another account's.
 */
export function filterIdOf(
  globalId: string | null | undefined,
  typename: string,
  name: string,
): string | undefined {
  if (globalId == null) return undefined;
  const id = decodeGlobalIdOf(globalId, typename);
  if (id === null) {
    throw badUserInput(`filter.${name}: "${globalId}" is not the id of a ${typename}`);
  }
  return id;
}
