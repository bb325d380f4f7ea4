import { createChannels } from "../channels/index.js";
import { channelSettingsFromConfig } from "../channels/settings.js";
import { loadConfigOrExit } from "../config.js";
import { createDatabase } from "../db/database.js";
import { migrateToLatest } from "../db/migrate.js";
import { openDatabaseServer } from "../db/open.js";
import { configureTemplates, templateSettingsFromConfig } from "../domain/templates/settings.js";
import { configureWebhooks, settingsFromConfig } from "../domain/webhooks/settings.js";
import { createLogger } from "../log.js";
import { createMailer } from "../mail/mailer.js";
import { jobs } from "./queue.js";
import { installJobQueue, startWorker } from "./worker.js";

// `npm run worker`: a process that only runs jobs, beside HTTP processes started with WORKER=off.
// config → database → migrations → worker; SIGINT/SIGTERM hand running jobs back (worker.ts),
// then stop.

const config = loadConfigOrExit();

const log = createLogger(config.LOG_LEVEL);
configureWebhooks(settingsFromConfig(config));
configureTemplates(templateSettingsFromConfig(config));

const STOP_LIMIT_MS = 25_000;

try {
  const server = await openDatabaseServer(config, log);
  const { db, pool } = createDatabase({ url: server.url });
  const applied = await migrateToLatest(db);
  if (applied.length > 0) log.info({ migrations: applied }, "migrations applied");
  await installJobQueue(pool, log);
  const mailer = createMailer(config.SMTP_URL, config.MAIL_FROM, log);
  // The SMPP session (SMPP_URL) lives here: receipts and inbound SMS reach worker processes.
  const channels = createChannels(channelSettingsFromConfig(config), { db, jobs, log, mailer });
  const runner = await startWorker(
    { db, pool, log, mailer, channels },
    { concurrency: config.WORKER_CONCURRENCY },
  );
  log.info("worker started");

  let stopping = false;
  const stop = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, "worker stopping");
    // As for the server (main.ts): a stop that hangs must not outlast a supervisor's grace period.
    setTimeout(() => {
      log.error({ waitedMs: STOP_LIMIT_MS }, "stop did not finish in time: exiting");
      process.exit(1);
    }, STOP_LIMIT_MS).unref();
    await runner.stop().catch((error: unknown) => log.error({ err: error }, "worker stop failed"));
    await channels.close();
    await db.destroy();
    await server.stop();
    log.info("worker stopped");
    process.exit(code);
  };
  process.on("SIGINT", () => void stop("SIGINT", 0));
  process.on("SIGTERM", () => void stop("SIGTERM", 0));
  runner.promise.catch((error: unknown) => {
    log.error({ err: error }, "worker crashed");
    void stop("crash", 1);
  });
} catch (error) {
  log.fatal({ err: error }, error instanceof Error ? error.message : String(error));
  process.exit(1);
}
