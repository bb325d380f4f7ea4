import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { queueMail } from "../../src/domain/mail.js";
import { jobs } from "../../src/jobs/queue.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { killHard, type ServerProcess, startServerProcess, until } from "../helpers/process.js";

// The server killed with SIGKILL while its worker sends a mail: the SMTP server has the message
// but has not answered it yet, so that delivery never happened. After `npm start` again on the
// same database, with no operator action, the mail job is freed and the mail delivered once.

let database: TestDatabase;
let server: ServerProcess | undefined;
const smtp = {
  /** While true, a message is read and left unanswered: the sender waits, mid-delivery. */
  holding: true,
  held: [] as ParsedMail[],
  accepted: [] as ParsedMail[],
  server: new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          if (smtp.holding) {
            smtp.held.push(mail);
            return;
          }
          smtp.accepted.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  }),
  url: "",
};

beforeAll(async () => {
  database = await createTestDatabase();
  await new Promise<void>((resolve) => smtp.server.listen(0, "127.0.0.1", resolve));
  smtp.url = `smtp://127.0.0.1:${(smtp.server.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  if (server) await killHard(server);
  await new Promise<void>((resolve) => smtp.server.close(() => resolve()));
  await database?.drop();
});

it("a mail whose server is killed mid-delivery is delivered once after a restart", async () => {
  server = await startServerProcess({ databaseUrl: database.url, smtpUrl: smtp.url });
  await queueMail(database.db, jobs, {
    to: "someone@example.com",
    subject: "Kept across a crash",
    text: "Delivered once.\n",
  });
  await until(
    "the worker to be mid-delivery",
    async () => (smtp.held.length > 0 ? true : null),
    120_000,
  );
  await killHard(server);
  server = undefined;
  smtp.holding = false;
  const { rows } = await sql<{ locked_by: string | null }>`
    select locked_by from graphile_worker.jobs where task_identifier = 'send-mail'`.execute(
    database.db,
  );
  // What the defect left behind: the mail's job locked by a worker that no longer exists.
  expect(rows).toEqual([{ locked_by: expect.any(String) }]);

  server = await startServerProcess({ databaseUrl: database.url, smtpUrl: smtp.url });
  const restarted = Date.now();
  // Normally a second or two after the start; a minute at most.
  await until(
    "the mail to be delivered",
    async () => (smtp.accepted.length > 0 ? true : null),
    60_000,
  );
  console.info(`delivered ${Date.now() - restarted} ms after the restart`);
  await until(
    "the job queue to empty",
    async () => {
      const { rows: left } = await sql<{ n: number }>`
        select count(*)::int as n from graphile_worker.jobs`.execute(database.db);
      return left[0].n === 0 ? true : null;
    },
    120_000,
  );
  expect(smtp.accepted.map((mail) => mail.subject)).toEqual(["Kept across a crash"]);
}, 600_000);
