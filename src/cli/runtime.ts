import type pg from "pg";
import { pino } from "pino";
import { loadConfig } from "../config.js";
import { createDatabase, type DB } from "../db/database.js";
import { migrateToLatest } from "../db/migrate.js";
import { openDatabaseServer } from "../db/open.js";
import { installJobQueue } from "../jobs/worker.js";
import type { Logger } from "../log.js";

export interface Runtime {
  db: DB;
  pool: pg.Pool;
  log: Logger;
  close: () => Promise<void>;
}

/**
 * The database the server would use (DATABASE_URL, or the embedded server under DATA_DIR, shared
 * if a server already runs it), migrated, with the job queue installed. `close` stops only what
 * this process started.
 */
export async function openRuntime(): Promise<Runtime> {
  const config = loadConfig();
  // Logs go to stderr so that stdout stays the command's result; quiet unless LOG_LEVEL says.
  const log = pino(
    { level: process.env.LOG_LEVEL || "warn", base: { service: "contact-gateway-cli" } },
    pino.destination(2),
  );
  const server = await openDatabaseServer(config, log);
  const { db, pool } = createDatabase({ url: server.url, max: 5 });
  try {
    await migrateToLatest(db);
    await installJobQueue(pool, log);
  } catch (error) {
    await db.destroy();
    await server.stop();
    throw error;
  }
  return {
    db,
    pool,
    log,
    close: async () => {
      await db.destroy();
      await server.stop();
    },
  };
}
