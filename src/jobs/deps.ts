import type pg from "pg";
import type { Channels } from "../channels/index.js";
import type { DB } from "../db/database.js";
import type { WebhookSettings } from "../domain/webhooks/settings.js";
import type { Logger } from "../log.js";
import type { Mailer } from "../mail/mailer.js";

/** What the worker and each of its tasks are built from. */
export interface WorkerDeps {
  db: DB;
  pool: pg.Pool;
  log: Logger;
  mailer: Mailer;
  /** How deliveries behave; absent: the process's settings (configureWebhooks at start). */
  webhooks?: WebhookSettings;
  /** The message channels (providers, SMPP session); absent: no provider, the sandbox. */
  channels?: Channels;
}
