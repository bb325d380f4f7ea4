// The longest text each stored string may hold, in characters, checked by the domain so every
// surface refuses an over-long value with its own error instead of reaching Postgres (a 1 MB
// email failed its index with "index row requires 11472 bytes", a 500). One place, so the
// surfaces and the READMEs agree.

/** RFC 5321's longest usable address (a 256-octet path minus its angle brackets). */
export const MAX_EMAIL = 254;
/** First and last names, job title, company, country, phone, postal code, timezone. */
export const MAX_SHORT_TEXT = 255;
/** A postal address or a website URL. */
export const MAX_LONG_TEXT = 1_000;
/** A custom field's text value (string type): a few KB. */
export const MAX_CUSTOM_TEXT = 4_000;
/** A dropdown option. */
export const MAX_OPTION = 255;
/** Descriptions (lists, custom fields) and a blocklist entry's reason. */
export const MAX_DESCRIPTION = 2_000;
/** A campaign's subject line (RFC 5322 lines stop at 998 characters). */
export const MAX_SUBJECT = 998;
/** A campaign's body. */
export const MAX_BODY = 500_000;

/** The shared wording of an over-long value. */
export function tooLong(max: number): string {
  return `may be at most ${max.toLocaleString("en-US")} characters`;
}

const SHOWN = 60;

/** A value quoted for a message, cut short: an error never echoes a megabyte back. */
export function shown(value: string): string {
  return `"${value.length > SHOWN ? `${value.slice(0, SHOWN)}…` : value}"`;
}
