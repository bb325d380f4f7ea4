import { request } from "node:http";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAccount } from "../../../src/domain/accounts/accounts.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/database.js";
import { killHard, type ServerProcess, startServerProcess, until } from "../../helpers/process.js";
import { startTestSmtp, type TestSmtp } from "../../helpers/smtp.js";

// A botamp batch (`create_or_update_many`) whose server is killed with SIGKILL at three moments:
// while the request body is still arriving, while the import stages its rows, and while its one
// merge transaction runs. After `npm start` again on the same database, with no operator action,
// every subscriber is imported exactly once and the account's owner gets one report mail.

const SUBSCRIBERS = 100_000;
const MANY = "/api/subscribers/create_or_update_many";

let database: TestDatabase;
let smtp: TestSmtp;
let server: ServerProcess | undefined;
beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startTestSmtp();
  server = await startServerProcess({ databaseUrl: database.url, smtpUrl: smtp.url });
});
afterAll(async () => {
  if (server) await killHard(server);
  await smtp?.close();
  await database?.drop();
});

/** Every 1000th subscriber has a bad email, every 700th repeats the one before it. */
function batch(tag: string) {
  const subscribers: { email: string; name: string }[] = [];
  let invalid = 0;
  for (let n = 1; n <= SUBSCRIBERS; n++) {
    if (n % 1000 === 0) {
      subscribers.push({ email: `broken-${n}`, name: "Bad Row" });
      invalid++;
    } else if (n % 700 === 0) {
      subscribers.push({ email: `${tag}${n - 1}@EXAMPLE.COM`, name: "Again Row" });
      invalid++;
    } else {
      subscribers.push({ email: `${tag}${n}@example.com`, name: `First${n} Last${n}` });
    }
  }
  return { body: JSON.stringify({ subscribers }), valid: SUBSCRIBERS - invalid, invalid };
}

async function account(moment: string) {
  const owner = `owner-${moment}@example.com`;
  const { account, secret } = await createAccount(database.db, {
    name: moment,
    ownerEmail: owner,
  });
  return { id: account.id, key: secret, owner };
}

async function post(key: string, body: string): Promise<{ import_id: string }> {
  const response = await fetch(`${server?.url}${MANY}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body,
  });
  const answer = await response.json();
  expect(response.status, JSON.stringify(answer)).toBe(200);
  return answer as { import_id: string };
}

function importOf(publicId: string) {
  return database.db
    .selectFrom("imports")
    .selectAll()
    .where("public_id", "=", publicId)
    .executeTakeFirst();
}

async function subscriberCount(accountId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from subscribers where account_id = ${accountId}`.execute(
    database.db,
  );
  return rows[0].n;
}

/** SIGKILL, then `npm start` again on the same database. */
async function killAndRestart(): Promise<number> {
  if (server) await killHard(server);
  server = undefined;
  server = await startServerProcess({ databaseUrl: database.url, smtpUrl: smtp.url });
  return Date.now();
}

/** The import completes with exact counts, and its owner gets exactly one report. */
async function expectImportedOnce(
  owner: { id: string; owner: string },
  publicId: string,
  expected: { valid: number; invalid: number },
  restarted: number,
) {
  const done = await until(
    "the import to finish",
    async () => {
      const row = await importOf(publicId);
      return row && (row.status === "completed" || row.status === "failed") ? row : null;
    },
    180_000,
  );
  expect(done).toMatchObject({
    status: "completed",
    total: SUBSCRIBERS,
    created: expected.valid,
    updated: 0,
    invalid: expected.invalid,
  });
  expect(await subscriberCount(owner.id)).toBe(expected.valid);
  const mine = () =>
    smtp.received.filter((mail) => [mail.to ?? []].flat().some((to) => to.text === owner.owner));
  await until("the report mail", async () => (mine().length > 0 ? true : null), 120_000);
  // Nothing left to send: a second report would have to come from a job still queued.
  await until(
    "the job queue to empty",
    async () => {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from graphile_worker.jobs`.execute(database.db);
      return rows[0].n === 0 ? true : null;
    },
    120_000,
  );
  expect(mine().map((mail) => mail.subject)).toEqual([
    `Import complete: ${expected.valid} created, 0 updated, ${expected.invalid} rejected`,
  ]);
  console.info(`recovered in ${Date.now() - restarted} ms after the restart`);
  console.info(
    server
      ?.output()
      .split("\n")
      .filter((line) => /freed the jobs|import completed|import interrupted|listening/.test(line))
      .join("\n"),
  );
}

it("killed during the upload: nothing is stored, and the client's retry imports every row once", async () => {
  const owner = await account("upload");
  const { body, valid, invalid } = batch("upload");
  const bytes = Buffer.from(body);
  const url = new URL(`${server?.url}${MANY}`);
  const sent = request(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "content-length": String(bytes.length),
      authorization: `Bearer ${owner.key}`,
    },
  });
  const failed = new Promise<Error>((resolve) => sent.on("error", resolve));
  // Half the body is on its way when the server dies.
  await new Promise<void>((resolve, reject) =>
    sent.write(bytes.subarray(0, bytes.length >> 1), (error) =>
      error ? reject(error) : resolve(),
    ),
  );
  const restarted = await killAndRestart();
  expect((await failed).message).toMatch(/socket hang up|ECONNRESET|EPIPE/);
  const { rows } = await sql<{ imports: number; chunks: number }>`
    select
      (select count(*) from imports where account_id = ${owner.id})::int as imports,
      (select count(*) from import_chunks where account_id = ${owner.id})::int as chunks`.execute(
    database.db,
  );
  expect(rows[0]).toEqual({ imports: 0, chunks: 0 });

  const { import_id } = await post(owner.key, body);
  await expectImportedOnce(owner, import_id, { valid, invalid }, restarted);
}, 600_000);

it("killed while staging: the restarted server frees the job and imports every row once", async () => {
  const owner = await account("staging");
  const { body, valid, invalid } = batch("staging");
  const { import_id } = await post(owner.key, body);
  // A real signal: the first progress update (every 50,000 rows) of a running import.
  await until(
    "staging to begin",
    async () => {
      const row = await importOf(import_id);
      if (row?.status === "completed") throw new Error("the import ended before the kill");
      return row && row.status === "running" && row.processed > 0 ? true : null;
    },
    180_000,
  );
  const restarted = await killAndRestart();
  expect(await importOf(import_id)).toMatchObject({ status: "running" });
  expect(await subscriberCount(owner.id)).toBe(0);
  await expectImportedOnce(owner, import_id, { valid, invalid }, restarted);
}, 600_000);

it("killed during the merge: its transaction rolls back and the restarted server imports every row once", async () => {
  const owner = await account("merge");
  const { body, valid, invalid } = batch("merge");
  const { import_id } = await post(owner.key, body);
  // A real signal: the merge's upsert, running in this database.
  await until(
    "the merge to run",
    async () => {
      const row = await importOf(import_id);
      if (row?.status === "completed") throw new Error("the import ended before the kill");
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and state = 'active'
          and query like '%insert into subscribers as s%'`.execute(database.db);
      return rows[0].n > 0 ? true : null;
    },
    180_000,
    5,
  );
  const restarted = await killAndRestart();
  expect(await importOf(import_id)).toMatchObject({ status: "running" });
  await expectImportedOnce(owner, import_id, { valid, invalid }, restarted);
}, 600_000);
