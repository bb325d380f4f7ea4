// Request bytes to text, strictly: invalid UTF-8 (raw, or percent-encoded like `%FF`) is refused
// where TextDecoder, URLSearchParams and Hono would silently make it U+FFFD or keep it raw.

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The bytes as text, or null when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return fatalUtf8.decode(bytes);
  } catch {
    return null;
  }
}

// Runs of %XX are decoded together (a character may take several), a stray `%` stays as it is:
// the way Hono decodes paths and query strings, except that a run which is not UTF-8 is refused
// here where Hono would keep it raw and URLSearchParams would make it U+FFFD.
const ENCODED_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/** A percent-encoded URL part decoded, or null when its bytes are not UTF-8. */
export function percentDecode(text: string): string | null {
  try {
    return text.replace(ENCODED_RUN, (run) => decodeURIComponent(run));
  } catch {
    return null;
  }
}
