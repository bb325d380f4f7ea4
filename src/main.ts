import { loadConfigOrExit } from "./config.js";
import { type RunningGateway, startGateway } from "./gateway.js";
import { createLogger } from "./log.js";

const config = loadConfigOrExit();

const log = createLogger(config.LOG_LEVEL);

/**
 * A stop that has not ended by now (something ignored its abort and holds a connection the pool
 * waits for) exits anyway: a supervisor's grace period would end in a kill -9, which is worse.
 */
const STOP_LIMIT_MS = 25_000;

// Signals are taken from the first moment: a SIGTERM while the gateway starts (it may already
// answer /readyz) would otherwise end the process at once, leaving the embedded PostgreSQL running.
let gateway: RunningGateway | null = null;
let signalled: string | null = null;
let stopping = false;

async function shutdown(signal: string): Promise<void> {
  if (!gateway) {
    signalled ??= signal;
    log.info({ signal }, "stopping as soon as the start has finished");
    return;
  }
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
}

process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));

try {
  gateway = await startGateway(config, log);
  if (signalled) await shutdown(signalled);
} catch (error) {
  // startGateway has already stopped whatever it had started (the embedded server included).
  log.fatal({ err: error }, error instanceof Error ? error.message : String(error));
  process.exit(1);
}
