import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { pino } from "pino";
import { createApp } from "../../src/http/app.js";
import { jobs } from "../../src/jobs/queue.js";
import { createTestDatabase, type TestDatabase } from "./database.js";

// A live app (real sockets, its own database) whose log lines a test reads: to match an error a
// client saw with the cause the log kept under the same request id.

export interface LogLine {
  level: number;
  msg: string;
  requestId?: string;
  err?: { message: string };
}

export interface LoggedApp {
  database: TestDatabase;
  url: string;
  lines: LogLine[];
  close(): Promise<void>;
}

export async function startLoggedApp(): Promise<LoggedApp> {
  const database = await createTestDatabase();
  const lines: LogLine[] = [];
  const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const app = createApp({ db: database.db, pool: database.pool, jobs, log });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () =>
      resolve(started),
    );
  });
  return {
    database,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    lines,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.drop();
    },
  };
}
