import { Kysely, type LogEvent, PostgresDialect } from "kysely";
import pg from "pg";
import Cursor from "pg-cursor";
import { preparingClient } from "./prepared.js";
import type { Database } from "./types.js";

// bigint ids and counts arrive as strings (exact), dates stay strings (no time zone shift).
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export type DB = Kysely<Database>;

export interface DatabaseOptions {
  url: string;
  max?: number;
  /** Called for every statement; tests count statements with it. */
  onQuery?: (event: LogEvent) => void;
}

export function createDatabase({ url, max = 20, onQuery }: DatabaseOptions): {
  db: DB;
  pool: pg.Pool;
} {
  const pool = new pg.Pool({ connectionString: url, max });
  // A client that loses its server (a restart) must not crash the process: the query in flight
  // fails and the pool replaces the client.
  pool.on("error", () => {});
  pool.on("connect", (client) => {
    client.on("error", () => {});
    preparingClient(client);
  });
  const db = new Kysely<Database>({
    // The cursor lets `query.stream()` hand rows over in batches (long lists, exports).
    dialect: new PostgresDialect({ pool, cursor: Cursor }),
    log: onQuery ? (event) => onQuery(event) : undefined,
  });
  return { db, pool };
}
