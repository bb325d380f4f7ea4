import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import type { Runner } from "graphile-worker";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../../src/domain/accounts/accounts.js";
import { createImport } from "../../src/domain/imports/create.js";
import { jobs } from "../../src/jobs/queue.js";
import { startWorker } from "../../src/jobs/worker.js";
import { createLogger } from "../../src/log.js";
import { createMailer } from "../../src/mail/mailer.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

// A worker process killed with SIGKILL half-way through an import; another worker retries the
// job. Every row must end up imported exactly once, with exact counts.

const ROWS = 300_000;
const log = createLogger(process.env.TEST_LOG_LEVEL ?? "silent");

let database: TestDatabase;
let child: ChildProcess | undefined;
let runner: Runner | undefined;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  child?.kill("SIGKILL");
  await runner?.stop();
  await database?.drop();
});

/** Every 1000th row has a bad email, every 700th repeats an earlier email in capitals. */
function generate(): { csv: string; valid: number; invalid: number } {
  const lines = ["email,first_name,last_name"];
  let invalid = 0;
  for (let row = 1; row <= ROWS; row++) {
    if (row % 1000 === 0) {
      lines.push(`broken-${row},Bad,Row`);
      invalid++;
    } else if (row % 700 === 0) {
      lines.push(`PERSON${row - 1}@EXAMPLE.COM,Again,Row`);
      invalid++;
    } else {
      lines.push(`person${row}@example.com,First${row},Last${row}`);
    }
  }
  return { csv: `${lines.join("\n")}\n`, valid: ROWS - invalid, invalid };
}

async function until<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 40_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function importRow(id: string) {
  return database.db
    .selectFrom("imports")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
}

describe("an import whose worker is killed half-way", () => {
  it("is retried by another worker and ends with every row imported once and exact counts", async () => {
    const { account } = await createAccount(database.db, { name: "kill" });
    const { csv, valid, invalid } = generate();
    const created = await createImport(
      { db: database.db, account, key: null, jobs, log },
      { source: "test", filename: "big.csv", content: [Buffer.from(csv)] },
    );

    // `npm run worker`, in a process of its own (node itself, so SIGKILL reaches the worker).
    let output = "";
    child = spawn(process.execPath, ["--import", "tsx", "src/jobs/run-worker.ts"], {
      env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (data) => (output += data));
    child.stderr?.on("data", (data) => (output += data));
    const exited = once(child, "exit");

    await until(`the child worker to read rows (output: ${output})`, async () => {
      const row = await importRow(created.id);
      return row.processed > 0 ? row : null;
    });
    child.kill("SIGKILL");
    await exited;
    child = undefined;

    const interrupted = await importRow(created.id);
    expect(interrupted.status).toBe("running");
    expect(interrupted.processed).toBeLessThan(ROWS);
    const none = await database.db
      .selectFrom("subscribers")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("account_id", "=", account.id)
      .executeTakeFirstOrThrow();
    expect(Number(none.n)).toBe(0);

    // What an operator does after a crash: unlock the dead worker's jobs, make them due now.
    const locked = await sql<{ locked_by: string }>`
      select distinct locked_by from graphile_worker.jobs
      where task_identifier = 'import-subscribers' and locked_by is not null`.execute(database.db);
    expect(locked.rows).toHaveLength(1);
    await sql`select graphile_worker.force_unlock_workers(${locked.rows.map((row) => row.locked_by)}::text[])`.execute(
      database.db,
    );
    await sql`update graphile_worker._private_jobs set run_at = now()
      where key = ${`import:${created.public_id}`}`.execute(database.db);
    // The dead worker's session (and its lock on the import) ends as soon as Postgres notices.
    await until("the dead worker's lock to go", async () => {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pg_locks where locktype = 'advisory'`.execute(database.db);
      return rows[0].n === 0 ? true : null;
    });

    runner = await startWorker({
      db: database.db,
      pool: database.pool,
      log,
      mailer: createMailer(undefined, "test@localhost", log),
    });
    const done = await until("the retried import to finish", async () => {
      const row = await importRow(created.id);
      return row.status === "completed" || row.status === "failed" ? row : null;
    });
    await runner.stop();
    runner = undefined;

    expect(done).toMatchObject({
      status: "completed",
      total: ROWS,
      processed: ROWS,
      created: valid,
      updated: 0,
      invalid,
      failure: null,
    });
    const counts = await sql<{
      subscribers: number;
      distinct: number;
      errors: number;
      staged: number;
      chunks: number;
    }>`
      select
        (select count(*) from subscribers where account_id = ${account.id})::int as subscribers,
        (select count(distinct lower(email)) from subscribers where account_id = ${account.id})::int as distinct,
        (select count(*) from import_errors where import_id = ${created.id})::int as errors,
        (select count(*) from import_rows where import_id = ${created.id})::int as staged,
        (select count(*) from import_chunks where import_id = ${created.id})::int as chunks`.execute(
      database.db,
    );
    expect(counts.rows[0]).toEqual({
      subscribers: valid,
      distinct: valid,
      errors: invalid,
      staged: 0,
      chunks: 0,
    });
    const sample = await database.db
      .selectFrom("subscribers")
      .select(["email", "first_name", "last_name"])
      .where("account_id", "=", account.id)
      .where("email", "=", "person699@example.com")
      .executeTakeFirstOrThrow();
    // Row 700 repeated row 699's email: the first occurrence won.
    expect(sample).toEqual({
      email: "person699@example.com",
      first_name: "First699",
      last_name: "Last699",
    });
  });
});
