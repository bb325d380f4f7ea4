import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import { ensureDatabase, startEmbeddedPostgres } from "./embedded.js";

export interface DatabaseServer {
  url: string;
  /** Stops the embedded server this process started; nothing for an external one. */
  stop: () => Promise<void>;
}

export const EMBEDDED_DATABASE = "contact_gateway";

/** `DATABASE_URL` when set; otherwise the embedded PostgreSQL under `DATA_DIR`. */
export async function openDatabaseServer(config: Config, log: Logger): Promise<DatabaseServer> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, stop: async () => {} };
  const server = await startEmbeddedPostgres({
    dataDir: config.DATA_DIR,
    port: config.EMBEDDED_PG_PORT,
    log,
  });
  await ensureDatabase(server.url("postgres"), EMBEDDED_DATABASE);
  return { url: server.url(EMBEDDED_DATABASE), stop: server.stop };
}
