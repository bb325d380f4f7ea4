import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../../src/domain/accounts/accounts.js";
import { createImport } from "../../src/domain/imports/create.js";
import { jobs } from "../../src/jobs/queue.js";
import { createLogger } from "../../src/log.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { importRow } from "../helpers/imports.js";
import { killHard, type ServerProcess, startServerProcess, until } from "../helpers/process.js";

// SIGTERM while the worker runs a long import: the process stops within a supervisor's grace
// period (it once waited 321 s for the job), hands the job back due now without spending one of
// its attempts, and the import completes exactly once after a restart.

const ROWS = 300_000;
/** A supervisor's grace period ends in a kill -9; the stop must fit well inside it. */
const EXIT_WITHIN_MS = 30_000;
const log = createLogger(process.env.TEST_LOG_LEVEL ?? "silent");

let database: TestDatabase;
let server: ServerProcess | undefined;
beforeAll(async () => {
  database = await createTestDatabase();
  server = await startServerProcess({ databaseUrl: database.url });
});
afterAll(async () => {
  if (server) await killHard(server);
  await database?.drop();
});

function csv(tag: string): string {
  const lines = ["email,first_name"];
  for (let row = 1; row <= ROWS; row++) lines.push(`${tag}${row}@example.com,First${row}`);
  return `${lines.join("\n")}\n`;
}

async function queueImport(tag: string) {
  const { account } = await createAccount(database.db, { name: tag });
  const created = await createImport(
    { db: database.db, account, key: null, jobs, log },
    { source: "test", filename: `${tag}.csv`, content: [Buffer.from(csv(tag))] },
  );
  return { accountId: account.id, id: created.id, jobKey: `import:${created.public_id}` };
}

async function stopWithSigterm(): Promise<{ code: number | null; ms: number; output: string }> {
  const running = server as ServerProcess;
  const started = Date.now();
  running.child.kill("SIGTERM");
  const exit = await Promise.race([
    running.exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error("no exit 120 s after SIGTERM")), 120_000),
    ),
  ]);
  server = undefined;
  return { code: exit.code, ms: Date.now() - started, output: running.output() };
}

/** Stopped: the import is still to do, its job free, due now, with no attempt spent. */
async function expectHandedBack(imp: { id: string; jobKey: string }) {
  expect(await importRow(database.db, imp.id)).toMatchObject({ status: "running", failure: null });
  const { rows } = await sql<{ locked_by: string | null; attempts: number; due: boolean }>`
    select locked_by, attempts, run_at <= now() as due
    from graphile_worker.jobs where key = ${imp.jobKey}`.execute(database.db);
  expect(rows).toEqual([{ locked_by: null, attempts: 0, due: true }]);
}

async function expectCompletedOnce(imp: { id: string; accountId: string }) {
  const done = await until(
    "the import to finish",
    async () => {
      const row = await importRow(database.db, imp.id);
      return row.status === "completed" || row.status === "failed" ? row : null;
    },
    180_000,
  );
  expect(done).toMatchObject({ status: "completed", total: ROWS, created: ROWS, invalid: 0 });
  const { rows } = await sql<{ subscribers: number; distinct: number; staged: number }>`
    select
      (select count(*) from subscribers where account_id = ${imp.accountId})::int as subscribers,
      (select count(distinct lower(email)) from subscribers where account_id = ${imp.accountId})::int as distinct,
      (select count(*) from import_rows where import_id = ${imp.id})::int as staged`.execute(
    database.db,
  );
  expect(rows[0]).toEqual({ subscribers: ROWS, distinct: ROWS, staged: 0 });
}

describe("SIGTERM during a long import", () => {
  it("while staging: exits promptly with 0, and the import completes once after a restart", async () => {
    const imp = await queueImport("staging");
    await until(
      "staging to begin",
      async () => ((await importRow(database.db, imp.id)).processed > 0 ? true : null),
      180_000,
    );
    const stop = await stopWithSigterm();
    console.info(`exited ${stop.ms} ms after SIGTERM while staging`);
    expect(stop.code, stop.output).toBe(0);
    expect(stop.ms).toBeLessThan(EXIT_WITHIN_MS);
    await expectHandedBack(imp);

    server = await startServerProcess({ databaseUrl: database.url });
    await expectCompletedOnce(imp);
  }, 600_000);

  it("while merging: cancels the merge, exits promptly with 0, and the import completes once after a restart", async () => {
    const imp = await queueImport("merge");
    await until(
      "the merge to run",
      async () => {
        if ((await importRow(database.db, imp.id)).status === "completed") {
          throw new Error("the import ended before the stop");
        }
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid() and state = 'active'
            and query like '%insert into subscribers as s%'`.execute(database.db);
        return rows[0].n > 0 ? true : null;
      },
      180_000,
      5,
    );
    const stop = await stopWithSigterm();
    console.info(`exited ${stop.ms} ms after SIGTERM while merging`);
    expect(stop.code, stop.output).toBe(0);
    expect(stop.ms).toBeLessThan(EXIT_WITHIN_MS);
    await expectHandedBack(imp);
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from subscribers where account_id = ${imp.accountId}`.execute(
      database.db,
    );
    expect(rows[0].n).toBe(0);

    server = await startServerProcess({ databaseUrl: database.url });
    await expectCompletedOnce(imp);
  }, 600_000);
});
