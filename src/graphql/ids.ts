import { decodeGlobalID } from "@pothos/plugin-relay";

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
