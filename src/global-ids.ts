import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";

// Global ids (base64 of `Type:<public id>`) are what GraphQL shows and what the CLI prints, so
// both surfaces speak of a resource by the same id. Their format lives here, beside neither
// adapter: an adapter does not import another. The relay plugin's own codec keeps it identical
// to the ids the schema encodes.

/** The public id inside a global id of the given type; null for a malformed id or another type. */
export function decodeGlobalIdOf(globalId: string, typename: string): string | null {
  try {
    const { typename: found, id } = decodeGlobalID(globalId);
    return found === typename && /^[0-9a-f]{32}$/.test(id) ? id : null;
  } catch {
    return null;
  }
}

/** The global id GraphQL shows for a public id. */
export function globalIdOf(typename: string, publicId: string): string {
  return encodeGlobalID(typename, publicId);
}
