import { rm } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { createDatabase } from "../../src/db/database.js";
import { startEmbeddedPostgres } from "../../src/db/embedded.js";
import { migrateToLatest } from "../../src/db/migrate.js";
import { installJobQueue } from "../../src/jobs/worker.js";
import { createLogger } from "../../src/log.js";
import { dropDatabase } from "./drop-database.js";
import { freePort } from "./process.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** A URL of the test server's maintenance database, with rights to create databases. */
    adminUrl: string;
    /** A migrated database each test file copies its own database from. */
    templateDatabase: string;
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * One Postgres for the whole run (embedded, or TEST_DATABASE_URL's server), one migrated template
 * database, and each test file makes its own copy of it, so files run in parallel.
 */
export default async function setup(project: TestProject) {
  const log = createLogger("warn");
  let adminUrl: string;
  let stopServer = async () => {};
  if (process.env.TEST_DATABASE_URL) {
    adminUrl = process.env.TEST_DATABASE_URL;
  } else {
    const dataDir = path.resolve(".data-test", String(process.pid));
    await rm(dataDir, { recursive: true, force: true });
    const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), log });
    adminUrl = server.url("postgres");
    stopServer = async () => {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
  }

  const templateDatabase = `cg_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${templateDatabase}`);
  await admin.query(`create database ${templateDatabase}`);
  const { db, pool } = createDatabase({ url: withDatabase(adminUrl, templateDatabase), max: 2 });
  await migrateToLatest(db);
  await installJobQueue(pool, log);
  await db.destroy();

  project.provide("adminUrl", adminUrl);
  project.provide("templateDatabase", templateDatabase);

  return async () => {
    const leftovers = await admin.query<{ datname: string }>(
      "select datname from pg_database where datname like $1 or datname = $2",
      [`cg_test_${process.pid}_%`, templateDatabase],
    );
    for (const { datname } of leftovers.rows) await dropDatabase(admin, datname);
    await admin.end();
    await stopServer();
  };
}
