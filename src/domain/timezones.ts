// Time zones are IANA names only, checked the same way on every surface:
// - a name this runtime lists (Intl.supportedValuesOf("timeZone")) or "UTC", in any case, is
//   stored in the list's spelling ("europe/paris" → "Europe/Paris");
// - an IANA alias the runtime resolves to such a name is stored as that name ("Etc/UTC" and
//   "GMT" → "UTC", "US/Eastern" → "America/New_York", "Asia/Kolkata" → the runtime's own
//   spelling of that zone);
// - anything else (an offset such as "+01:00", an abbreviation such as "PST" that ICU takes
//   but IANA does not list, a typo) is refused.

import { shown } from "./bounds.js";

const KNOWN = new Map<string, string>();
for (const name of [...Intl.supportedValuesOf("timeZone"), "UTC"]) {
  KNOWN.set(name.toLowerCase(), name);
}

/**
 * IANA names without a slash (tzdata's "backward" links and old zones). ICU also takes Java's
 * three-letter ids (PST, IST, CST…), which IANA never had and which mean different zones to
 * different people: an alias must have a slash or be one of these.
 */
const SLASHLESS = new Set(
  [
    "UTC",
    "UCT",
    "GMT",
    "GMT0",
    "GMT+0",
    "GMT-0",
    "Greenwich",
    "Universal",
    "Zulu",
    "EST",
    "MST",
    "HST",
    "EST5EDT",
    "CST6CDT",
    "MST7MDT",
    "PST8PDT",
    "CET",
    "EET",
    "MET",
    "WET",
    "Cuba",
    "Egypt",
    "Eire",
    "GB",
    "GB-Eire",
    "Hongkong",
    "Iceland",
    "Iran",
    "Israel",
    "Jamaica",
    "Japan",
    "Kwajalein",
    "Libya",
    "NZ",
    "NZ-CHAT",
    "Navajo",
    "PRC",
    "Poland",
    "Portugal",
    "ROC",
    "ROK",
    "Singapore",
    "Turkey",
    "W-SU",
  ].map((name) => name.toLowerCase()),
);

/** Aliases already resolved (and names refused), so an import of a million rows asks Intl once. */
const RESOLVED = new Map<string, string | null>();
const MAX_RESOLVED = 10_000;

/** The stored spelling of an IANA time zone name, or null if `raw` is not one. */
export function canonicalTimezone(raw: string): string | null {
  const key = raw.trim().toLowerCase();
  const known = KNOWN.get(key);
  if (known !== undefined) return known;
  const cached = RESOLVED.get(key);
  if (cached !== undefined) return cached;
  let resolved: string | null = null;
  if (key.includes("/") || SLASHLESS.has(key)) {
    try {
      const zone = new Intl.DateTimeFormat("en-US", { timeZone: key }).resolvedOptions().timeZone;
      // Etc/GMT+5 and the like are IANA names the runtime does not list: kept as resolved.
      resolved = KNOWN.get(zone.toLowerCase()) ?? zone;
    } catch {
      resolved = null;
    }
  }
  if (RESOLVED.size >= MAX_RESOLVED) RESOLVED.clear();
  RESOLVED.set(key, resolved);
  return resolved;
}

/** The one message every surface gives for a refused time zone (after its own field name). */
export const TIMEZONE_PROBLEM = "is not an IANA time zone name (such as Europe/Paris or UTC)";

/** Why `text` (trimmed, not blank) is refused, after the surface's name for the field; or null. */
export function timezoneProblem(text: string): string | null {
  if (canonicalTimezone(text) !== null) return null;
  return `${shown(text)} ${TIMEZONE_PROBLEM}`;
}
