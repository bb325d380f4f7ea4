import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../../src/domain/accounts/accounts.js";
import { createImport } from "../../src/domain/imports/create.js";
import { jobs } from "../../src/jobs/queue.js";
import { createLogger } from "../../src/log.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { importRow } from "../helpers/imports.js";
import { killHard, type ServerProcess, startServerProcess, until } from "../helpers/process.js";
import { startTestSmtp, type TestSmtp } from "../helpers/smtp.js";

// The server (`npm start`) killed with SIGKILL half-way through an import, then started again on
// the same database: with no operator action, the new process frees the dead worker's job and
// runs it, and every row ends up imported exactly once, with exact counts and one report mail.

const ROWS = 150_000;
const log = createLogger(process.env.TEST_LOG_LEVEL ?? "silent");

let database: TestDatabase;
let smtp: TestSmtp;
let server: ServerProcess | undefined;
beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startTestSmtp();
});
afterAll(async () => {
  if (server) await killHard(server);
  await smtp?.close();
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

async function importJob(key: string) {
  const { rows } = await sql<{ locked_by: string | null; attempts: number }>`
    select locked_by, attempts from graphile_worker.jobs where key = ${key}`.execute(database.db);
  return rows[0] ?? null;
}

describe("an import whose server is killed half-way", () => {
  it("is taken up by the restarted server and ends with every row imported once, exact counts and one report mail", async () => {
    const { account } = await createAccount(database.db, { name: "kill" });
    const { csv, valid, invalid } = generate();
    const created = await createImport(
      { db: database.db, account, key: null, jobs, log },
      {
        source: "test",
        filename: "big.csv",
        content: [Buffer.from(csv)],
        notifyEmail: "owner@example.com",
      },
    );
    const jobKey = `import:${created.public_id}`;

    server = await startServerProcess({ databaseUrl: database.url, smtpUrl: smtp.url });
    const first = server;
    // Staging has begun: the first progress update (every 50,000 rows) is in.
    await until(
      () => `the server to read rows (output: ${first.output()})`,
      async () => ((await importRow(database.db, created.id)).processed > 0 ? true : null),
      180_000,
    );
    await killHard(first);
    server = undefined;

    const interrupted = await importRow(database.db, created.id);
    expect(interrupted.status).toBe("running");
    expect(interrupted.processed).toBeLessThan(ROWS);
    const dead = await importJob(jobKey);
    // What the defect left behind: a job locked by a worker that no longer exists.
    expect(dead?.locked_by).toEqual(expect.any(String));
    const none = await database.db
      .selectFrom("subscribers")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("account_id", "=", account.id)
      .executeTakeFirstOrThrow();
    expect(Number(none.n)).toBe(0);

    server = await startServerProcess({ databaseUrl: database.url, smtpUrl: smtp.url });
    const restarted = Date.now();
    // Taken up by the new process: normally within a second of its start; a minute at most.
    await until(
      "the restarted server to take the job",
      async () => {
        const job = await importJob(jobKey);
        return job === null || (job.locked_by !== null && job.locked_by !== dead?.locked_by)
          ? true
          : null;
      },
      60_000,
    );
    const takenMs = Date.now() - restarted;
    const done = await until(
      "the import to finish",
      async () => {
        const row = await importRow(database.db, created.id);
        return row.status === "completed" || row.status === "failed" ? row : null;
      },
      180_000,
    );
    log.info({ takenMs, doneMs: Date.now() - restarted }, "recovered after kill -9");

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

    // One report: wait for it, then for the queue to be empty, then count.
    await smtp.waitFor(1, 120_000);
    await until(
      "the job queue to empty",
      async () => {
        const { rows } = await sql<{ n: number }>`
          select count(*)::int as n from graphile_worker.jobs`.execute(database.db);
        return rows[0].n === 0 ? true : null;
      },
      120_000,
    );
    expect(smtp.received.map((mail) => mail.subject)).toEqual([
      `Import complete: ${valid} created, 0 updated, ${invalid} rejected`,
    ]);
  }, 600_000);
});
