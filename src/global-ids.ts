import { decodeGlobalID, encodeGlobalID } from "@pothos/plugin-relay";

// Global ids (base64 of `Type:<public id>`) are what GraphQL shows and what the CLI prints, so
// both surfaces speak of a resource by the same id. Their format lives here, beside neither
// adapter: an adapter does not import another. The relay plugin's own codec keeps it identical
// to the ids the schema encodes.

/** Every public id is 32 lowercase hex: anything else is no id we ever issued. */
const PUBLIC_ID = /^[0-9a-f]{32}$/;

/** The type and public id inside a global id; null for anything that is not one. */
export function decodeGlobalId(globalId: string): { typename: string; id: string } | null {
  try {
    const decoded = decodeGlobalID(globalId);
    return PUBLIC_ID.test(decoded.id) ? decoded : null;
  } catch {
    return null;
  }
}

/** The public id inside a global id of the given type; null for a malformed id or another type. */
export function decodeGlobalIdOf(globalId: string, typename: string): string | null {
  const decoded = decodeGlobalId(globalId);
  return decoded?.typename === typename ? decoded.id : null;
}

/** The global id GraphQL shows for a public id. */
export function globalIdOf(typename: string, publicId: string): string {
  return encodeGlobalID(typename, publicId);
}
