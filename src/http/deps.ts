import type { DB } from "../db/database.js";
import type { Jobs } from "../domain/context.js";
import type { Logger } from "../log.js";

/** What the HTTP app and every surface it mounts are built from. */
export interface AppDeps {
  db: DB;
  jobs: Jobs;
  log: Logger;
  /** Base of links in mails (PUBLIC_URL); without it, the origin of the request that asks. */
  publicUrl?: string;
}
