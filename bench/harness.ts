import { type ChildProcess, spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import type pg from "pg";
import { createDatabase, type DB } from "../src/db/database.js";
import { ensureDatabase, startEmbeddedPostgres } from "../src/db/embedded.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { installJobQueue } from "../src/jobs/worker.js";
import type { Logger } from "../src/log.js";

// What the benches share: a fresh embedded PostgreSQL with the migrated database, and the real
// server in a process of its own on it.

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Waits (up to 60 s) for the server's /readyz to answer 200. */
export async function waitReady(url: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const ok = await fetch(`${url}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error("the server did not become ready");
}

export interface BenchDatabase {
  databaseUrl: string;
  db: DB;
  pool: pg.Pool;
  /** Stops PostgreSQL and removes its folder. */
  remove: () => Promise<void>;
}

/** A new embedded PostgreSQL under `folder` (emptied first), its `bench` database migrated. */
export async function startBenchDatabase(folder: string, log: Logger): Promise<BenchDatabase> {
  const dataDir = path.resolve(folder);
  await rm(dataDir, { recursive: true, force: true });
  const postgres = await startEmbeddedPostgres({ dataDir, port: await freePort(), log });
  const remove = async () => {
    await postgres.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await ensureDatabase(postgres.url("postgres"), "bench");
    const databaseUrl = postgres.url("bench");
    const { db, pool } = createDatabase({ url: databaseUrl });
    await migrateToLatest(db);
    await installJobQueue(pool, log);
    return { databaseUrl, db, pool, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/** The real server in a process of its own, on a free port, ready to serve. */
export async function startServer(
  databaseUrl: string,
  worker: "inline" | "off",
  env: Record<string, string> = {},
): Promise<{ process: ChildProcess; url: string }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      WORKER: worker,
      ...env,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  await waitReady(url);
  return { process: child, url };
}
