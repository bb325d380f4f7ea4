import { afterAll, beforeAll, expect, it } from "vitest";
import { createMailer } from "../../src/mail/mailer.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { startTestSmtp, type TestSmtp } from "../helpers/smtp.js";
import {
  type Fixture,
  fixture,
  log,
  messageReaching,
  queueMessages,
  startChannelWorker,
} from "./fixtures.js";

// Email against a real SMTP server: the mail arrives with its subject and text, and its SMTP
// Message-ID is the provider's id; a server that refuses the recipient (550) fails the message
// at once; a server that cannot be reached is tried again, then the message fails.

let database: TestDatabase;
let account: Fixture;
let smtp: TestSmtp;
let refusing: TestSmtp;
beforeAll(async () => {
  database = await createTestDatabase();
  account = await fixture(database);
  smtp = await startTestSmtp();
  refusing = await startTestSmtp({ refuse: true });
});
afterAll(async () => {
  await smtp?.close();
  await refusing?.close();
  await account?.receiver.close();
  await database?.drop();
});

async function email(address: string) {
  const contact = await account.contact({ email: address });
  const [id] = await queueMessages(database, {
    accountId: account.accountId,
    contactId: contact,
    channel: "email",
    address,
    subject: "Your receipt",
    body: "Thanks for your order.",
  });
  return id;
}

it("sends the mail over SMTP and records its Message-ID", async () => {
  const worker = await startChannelWorker(
    database,
    {},
    createMailer(smtp.url, "Shop <shop@example.com>", log),
  );
  try {
    const id = await email("ada@example.com");
    const sent = await messageReaching(database, id, "sent");
    const [mail] = await smtp.waitFor(1);
    expect(mail.subject).toBe("Your receipt");
    expect(mail.text?.trim()).toBe("Thanks for your order.");
    expect(mail.to).toMatchObject({ text: "ada@example.com" });
    expect(sent.provider_message_id).toBe(mail.messageId);
    expect(sent.attempts).toBe(1);
  } finally {
    await worker.stop();
  }
});

it("fails at once when the server refuses the recipient", async () => {
  const worker = await startChannelWorker(
    database,
    {},
    createMailer(refusing.url, "Shop <shop@example.com>", log),
  );
  try {
    const id = await email("nobody@example.com");
    const failed = await messageReaching(database, id, "failed");
    expect(failed.failure_reason).toMatch(/^SMTP: .*550/);
    expect(failed.attempts).toBe(1);
  } finally {
    await worker.stop();
  }
});

it("tries an unreachable server again, then fails with the reason", async () => {
  const worker = await startChannelWorker(
    database,
    {},
    createMailer("smtp://127.0.0.1:1", "Shop <shop@example.com>", log),
  );
  try {
    const id = await email("grace@example.com");
    const failed = await messageReaching(database, id, "failed");
    expect(failed.attempts).toBe(5);
    expect(failed.failure_reason).toMatch(/^SMTP: .*\(after 5 attempts\)$/);
  } finally {
    await worker.stop();
  }
});
