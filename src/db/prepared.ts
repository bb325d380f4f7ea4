import type pg from "pg";

// Named prepared statements for the hottest reads (a GraphQL plan's page of subscribers): their
// SQL text is written once, and each connection has Postgres parse and plan it once, then binds
// parameters per request. The statements still run through Kysely (`db.executeQuery`), so they
// are logged and counted like any other; the pool's clients recognise a registered text and send
// it with its name (pg's `{ name, text, values }`).

const names = new Map<string, string>();

/** Registers `text` as a prepared statement and returns it (to run with `CompiledQuery.raw`). */
export function prepared(text: string): string {
  if (!names.has(text)) names.set(text, `cg_${names.size + 1}`);
  return text;
}

type Query = (...args: unknown[]) => unknown;

/** Makes a pool client send registered texts as named statements; everything else as before. */
export function preparingClient(client: pg.PoolClient): void {
  const query = client.query.bind(client) as Query;
  (client as unknown as { query: Query }).query = (text: unknown, ...rest: unknown[]) => {
    const name = typeof text === "string" ? names.get(text) : undefined;
    if (name === undefined || !Array.isArray(rest[0])) return query(text, ...rest);
    return query({ name, text, values: rest[0] }, ...rest.slice(1));
  };
}
