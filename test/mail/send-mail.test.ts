import type { Runner } from "graphile-worker";
import { afterAll, beforeAll, expect, it } from "vitest";
import { queueMail } from "../../src/domain/mail.js";
import { jobs } from "../../src/jobs/queue.js";
import { startWorker } from "../../src/jobs/worker.js";
import { createLogger } from "../../src/log.js";
import { createMailer } from "../../src/mail/mailer.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { startTestSmtp, type TestSmtp } from "../helpers/smtp.js";

let database: TestDatabase;
let smtp: TestSmtp;
let worker: Runner;

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startTestSmtp();
  const log = createLogger("silent");
  worker = await startWorker({
    db: database.db,
    pool: database.pool,
    log,
    mailer: createMailer(smtp.url, "Gateway <gateway@example.com>", log),
  });
});
afterAll(async () => {
  await worker.stop();
  await smtp.close();
  await database.drop();
});

it("sends a mail queued in a committed transaction over SMTP, and none from a rolled-back one", async () => {
  await database.db
    .transaction()
    .execute(async (trx) => {
      await queueMail(trx, jobs, { to: "lost@example.com", subject: "never", text: "rolled back" });
      throw new Error("roll back");
    })
    .catch(() => {});
  await database.db.transaction().execute(async (trx) => {
    await queueMail(trx, jobs, { to: "ada@example.com", subject: "Hello Ada", text: "It works." });
  });

  const [mail] = await smtp.waitFor(1);
  expect(mail.subject).toBe("Hello Ada");
  expect(mail.text?.trim()).toBe("It works.");
  expect(mail.from?.text).toContain("gateway@example.com");
  expect(JSON.stringify(mail.to)).toContain("ada@example.com");
  // Give a stray job time to run: only the committed mail may ever arrive.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(smtp.received).toHaveLength(1);
});
