import { type ServerType, serve } from "@hono/node-server";
import type { Runner } from "graphile-worker";
import type { Config } from "./config.js";
import { createDatabase } from "./db/database.js";
import { migrateToLatest } from "./db/migrate.js";
import { openDatabaseServer } from "./db/open.js";
import { createDefaultAccountIfEmpty } from "./domain/accounts/accounts.js";
import { createApp } from "./http/app.js";
import { jobs } from "./jobs/queue.js";
import { installJobQueue, startWorker } from "./jobs/worker.js";
import type { Logger } from "./log.js";

export interface RunningGateway {
  url: string;
  /** Drains HTTP, stops the worker, closes the pool, then stops the embedded server. */
  stop: () => Promise<void>;
}

/** config → database → migrations → worker → http, as DESIGN.md orders it. */
export async function startGateway(config: Config, log: Logger): Promise<RunningGateway> {
  const server = await openDatabaseServer(config, log);
  const { db, pool } = createDatabase({ url: server.url });
  const applied = await migrateToLatest(db);
  if (applied.length > 0) log.info({ migrations: applied }, "migrations applied");
  await installJobQueue(pool, log);

  const first = await createDefaultAccountIfEmpty(db);
  if (first) {
    // Printed once, on the first start of an empty database: only its digest is stored.
    process.stdout.write(
      `\nCreated account "default" (sid ${first.account.sid}).\nIts API key, shown only this once:\n\n  ${first.secret}\n\nSend it as "Authorization: Bearer <key>" (GraphiQL: the Headers tab).\n\n`,
    );
  }

  const worker: Runner | null =
    config.WORKER === "inline" ? await startWorker({ db, pool, log }) : null;
  const app = createApp({ db, jobs, log });
  const http: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, () =>
      resolve(started),
    );
  });
  const address = http.address();
  const port = typeof address === "object" && address ? address.port : config.PORT;
  const url = `http://${config.HOST === "0.0.0.0" ? "localhost" : config.HOST}:${port}`;
  log.info({ url: `${url}/graphql`, worker: config.WORKER }, "contact-gateway listening");

  return {
    url,
    stop: async () => {
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        // Keep-alive sockets with no request in flight would hold close() open.
        if ("closeIdleConnections" in http) http.closeIdleConnections();
      });
      await worker?.stop();
      await db.destroy();
      await server.stop();
    },
  };
}
