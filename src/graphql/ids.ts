import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";
import { NotFound } from "../domain/errors.js";

/**
 * The public id inside a global id of the given type; null for a malformed id or one of another
 * type, which callers answer as NotFound (an id that cannot exist is not a validation problem).
 */
export function decodeGlobalIdOf(globalId: string, typename: string): string | null {
  try {
    const { typename: found, id } = decodeGlobalID(globalId);
    return found === typename && /^[0-9a-f]{32}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** The public id inside a global id of the given type; any other id is that type's NotFound. */
export function publicIdOf(globalId: string, typename: string): string {
  const id = decodeGlobalIdOf(globalId, typename);
  if (id === null) throw new NotFound(typename, globalId);
  return id;
}

/** The global id GraphQL shows for a public id (the CLI prints the same ids). */
export function globalIdOf(typename: string, publicId: string): string {
  return encodeGlobalID(typename, publicId);
}
