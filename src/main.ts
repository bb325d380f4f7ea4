import { loadConfigOrExit } from "./config.js";
import { startGateway } from "./gateway.js";
import { createLogger } from "./log.js";

const config = loadConfigOrExit();

const log = createLogger(config.LOG_LEVEL);

/**
 * A stop that has not ended by now (something ignored its abort and holds a connection the pool
 * waits for) exits anyway: a supervisor's grace period would end in a kill -9, which is worse.
 */
const STOP_LIMIT_MS = 25_000;

try {
  const gateway = await startGateway(config, log);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      log.info({ signal }, "already stopping: waiting for requests in flight and the database");
      return;
    }
    stopping = true;
    log.info({ signal }, "shutting down");
    setTimeout(() => {
      log.error({ waitedMs: STOP_LIMIT_MS }, "stop did not finish in time: exiting");
      process.exit(1);
    }, STOP_LIMIT_MS).unref();
    await gateway.stop();
    log.info("stopped");
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
} catch (error) {
  // startGateway has already stopped whatever it had started (the embedded server included).
  log.fatal({ err: error }, error instanceof Error ? error.message : String(error));
  process.exit(1);
}
