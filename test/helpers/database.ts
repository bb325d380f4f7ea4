import { randomBytes } from "node:crypto";
import type { LogEvent } from "kysely";
import pg from "pg";
import { inject } from "vitest";
import { createDatabase, type DB } from "../../src/db/database.js";
import { dropDatabase } from "./drop-database.js";

export interface TestDatabase {
  url: string;
  db: DB;
  pool: pg.Pool;
  /** Statements run through `db` since the last `statements.reset()`, but the key look-up. */
  statements: {
    count: () => number;
    sql: () => string[];
    /** Each statement with the parameters it was run with, in order. */
    all: () => RecordedStatement[];
    reset: () => void;
  };
  drop: () => Promise<void>;
}

export interface RecordedStatement {
  sql: string;
  parameters: readonly unknown[];
}

const KEY_LOOKUP = /^update "api_keys" set "last_used_at"/;

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A fresh, migrated database of this file's own, copied from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject("adminUrl");
  const name = `cg_test_${process.ppid}_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${inject("templateDatabase")}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  let seen: RecordedStatement[] = [];
  const { db, pool } = createDatabase({
    url,
    onQuery: (event: LogEvent) => {
      // The API key's look-up is authentication, cached for 5 s: whether a request pays it
      // depends on how long the machine took since the last one. Counts leave it out, so they
      // measure the request's own work on a loaded machine as on an idle one.
      if (KEY_LOOKUP.test(event.query.sql)) return;
      seen.push({ sql: event.query.sql, parameters: [...event.query.parameters] });
    },
  });
  return {
    url,
    db,
    pool,
    statements: {
      count: () => seen.length,
      sql: () => seen.map((statement) => statement.sql),
      all: () => [...seen],
      reset: () => (seen = []),
    },
    drop: async () => {
      await db.destroy();
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await dropDatabase(client, name);
      } finally {
        await client.end();
      }
    },
  };
}
