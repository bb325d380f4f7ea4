import type { ServerType } from "@hono/node-server";
import type { Runner } from "graphile-worker";
import { createChannels } from "./channels/index.js";
import { channelSettingsFromConfig } from "./channels/settings.js";
import type { Config } from "./config.js";
import { createDatabase } from "./db/database.js";
import { migrateToLatest } from "./db/migrate.js";
import { openDatabaseServer } from "./db/open.js";
import { createDefaultAccountIfEmpty } from "./domain/accounts/accounts.js";
import { configureTemplates, templateSettingsFromConfig } from "./domain/templates/settings.js";
import { configureWebhooks, settingsFromConfig } from "./domain/webhooks/settings.js";
import { createApp } from "./http/app.js";
import { serveApp } from "./http/serve.js";
import { jobs } from "./jobs/queue.js";
import { installJobQueue, startWorker } from "./jobs/worker.js";
import type { Logger } from "./log.js";
import { createMailer } from "./mail/mailer.js";
import { RealtimeListener } from "./realtime/listener.js";

export interface RunningGateway {
  url: string;
  /** Drains HTTP, stops the worker, closes the pool, then stops the embedded server. */
  stop: () => Promise<void>;
}

/** Requests still running this long after a stop signal are cut, so a stop never hangs. */
const DRAIN_MS = 10_000;

/**
 * Counts requests whose handler is still running. A client that hangs up closes its connection
 * while the handler goes on; the pool must outlive the handler, not only the connection.
 */
function trackRequests(app: ReturnType<typeof createApp>) {
  let running = 0;
  let onIdle: (() => void) | null = null;
  const fetch: typeof app.fetch = async (...args) => {
    running++;
    try {
      return await app.fetch(...args);
    } finally {
      running--;
      if (running === 0) onIdle?.();
    }
  };
  const idle = () =>
    running === 0 ? Promise.resolve() : new Promise<void>((resolve) => (onIdle = resolve));
  return { fetch, idle };
}

function listen(
  fetch: ReturnType<typeof trackRequests>["fetch"],
  config: Config,
): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serveApp({ fetch, port: config.PORT, hostname: config.HOST }, () => {
      server.off("error", onError);
      resolve(server);
    });
    function onError(error: NodeJS.ErrnoException) {
      reject(
        error.code === "EADDRINUSE"
          ? new Error(
              `port ${config.PORT} on ${config.HOST} is already in use: set PORT to a free one`,
            )
          : error,
      );
    }
    server.once("error", onError);
  });
}

function drain(http: ServerType, handlersIdle: () => Promise<void>): Promise<void> {
  const closed = new Promise<void>((resolve) => {
    http.close(() => resolve());
    // Keep-alive sockets with no request in flight would hold close() open.
    if ("closeIdleConnections" in http) http.closeIdleConnections();
  });
  let cut: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    cut = setTimeout(() => {
      if ("closeAllConnections" in http) http.closeAllConnections();
      resolve();
    }, DRAIN_MS);
  });
  return Promise.race([Promise.all([closed, handlersIdle()]).then(() => {}), deadline]).finally(
    () => clearTimeout(cut),
  );
}

/** config → database → migrations → worker → http, as DESIGN.md orders it. */
export async function startGateway(config: Config, log: Logger): Promise<RunningGateway> {
  // What has started so far, stopped in reverse order, on a stop or on a failed start.
  const started: { name: string; stop: () => Promise<unknown> }[] = [];
  const stopAll = async () => {
    for (const { name, stop } of started.reverse()) {
      await stop().catch((error: unknown) => log.error({ err: error }, `stopping ${name} failed`));
    }
    started.length = 0;
  };

  configureWebhooks(settingsFromConfig(config));

  configureTemplates(templateSettingsFromConfig(config));
  try {
    const server = await openDatabaseServer(config, log);
    started.push({ name: "database server", stop: server.stop });
    const { db, pool } = createDatabase({ url: server.url });
    started.push({ name: "database pool", stop: () => db.destroy() });
    const applied = await migrateToLatest(db);
    if (applied.length > 0) log.info({ migrations: applied }, "migrations applied");
    await installJobQueue(pool, log);

    let stopWorker = async () => {};
    if (config.WORKER === "inline") {
      const mailer = createMailer(config.SMTP_URL, config.MAIL_FROM, log);
      const channels = createChannels(channelSettingsFromConfig(config), { db, jobs, log, mailer });
      const worker: Runner = await startWorker(
        { db, pool, log, mailer, channels },
        { concurrency: config.WORKER_CONCURRENCY },
      );
      stopWorker = () => worker.stop().finally(() => channels.close());
      started.push({ name: "worker", stop: stopWorker });
    }
    const realtime = new RealtimeListener({ connection: { connectionString: server.url }, log });
    const requests = trackRequests(
      createApp({
        db,
        pool,
        jobs,
        log,
        publicUrl: config.PUBLIC_URL,
        botbatLimits: config.BOTBAT_RATE_LIMITS,
        realtime,
        whatsapp: {
          appSecret: config.WHATSAPP_APP_SECRET,
          verifyToken: config.WHATSAPP_VERIFY_TOKEN,
        },
      }),
    );
    const http = await listen(requests.fetch, config);
    // The worker hands its jobs back while HTTP drains, so that a stop takes one drain, not two;
    // its own entry waits for the same stop and reports its errors.
    started.push({
      name: "http",
      stop: () => Promise.all([drain(http, requests.idle), stopWorker().catch(() => {})]),
    });
    // Stopped before HTTP drains: open subscriptions complete and their connections close, which
    // the drain would otherwise wait for until it cuts them.
    started.push({ name: "realtime", stop: () => realtime.close() });

    const first = await createDefaultAccountIfEmpty(db, { ownerEmail: config.OWNER_EMAIL });
    if (first) {
      // Printed once, on the first start of an empty database: only its digest is stored. Made
      // once the port is ours, so a failed start does not spend the one showing of the key.
      process.stdout.write(
        `\nCreated account "default" (sid ${first.account.sid}).\nIts API key, shown only this once:\n\n  ${first.secret}\n\nSend it as "Authorization: Bearer <key>" (GraphiQL: the Headers tab).\n\n`,
      );
    }

    const address = http.address();
    const port = typeof address === "object" && address ? address.port : config.PORT;
    const url = `http://${config.HOST === "0.0.0.0" ? "localhost" : config.HOST}:${port}`;
    log.info({ url: `${url}/graphql`, worker: config.WORKER }, "contact-gateway listening");
    return { url, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
