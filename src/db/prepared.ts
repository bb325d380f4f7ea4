import type pg from "pg";

// Named prepared statements for the hottest reads (a GraphQL plan's page of subscribers): their
// SQL text is written once, and each connection has Postgres parse and plan it once, then binds
// parameters per request. The statements still run through Kysely (`db.executeQuery`), so they
// are logged and counted like any other; the pool's clients recognise a registered text and send
// it with its name (pg's `{ name, text, values }`).

const names = new Map<string, string>();
/**
 * At most this many texts are prepared: each is kept by every connection of the pool, and a
 * client could make a new text per field selection it sends. Texts past it run unnamed.
 */
export const MAX_PREPARED = 256;
/** Texts whose rows come as arrays of column values, in the select's order. */
const arrayTexts = new Set<string>();

/** Registers `text` as a prepared statement and returns it (to run with `CompiledQuery.raw`). */
export function prepared(text: string): string {
  if (!names.has(text) && names.size < MAX_PREPARED) names.set(text, `cg_${names.size + 1}`);
  return text;
}

/**
 * `prepared`, whose rows come as arrays (pg's rowMode "array"): for a reader that turns each row
 * into something else anyway, pg need not build an object with named keys per row first.
 */
export function preparedArrays(text: string): string {
  arrayTexts.add(prepared(text));
  return text;
}

type Query = (...args: unknown[]) => unknown;

/** Makes a pool client send registered texts as named statements; everything else as before. */
export function preparingClient(client: pg.PoolClient): void {
  const query = client.query.bind(client) as Query;
  (client as unknown as { query: Query }).query = (text: unknown, ...rest: unknown[]) => {
    const name = typeof text === "string" ? names.get(text) : undefined;
    if (name === undefined || !Array.isArray(rest[0])) return query(text, ...rest);
    const rowMode = arrayTexts.has(text as string) ? "array" : undefined;
    return query({ name, text, values: rest[0], rowMode }, ...rest.slice(1));
  };
}
