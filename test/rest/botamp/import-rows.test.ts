import type { Runner } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../../../src/domain/accounts/accounts.js";
import type { Context } from "../../../src/domain/context.js";
import { NotFound } from "../../../src/domain/errors.js";
import { createImport, createImportFromRows } from "../../../src/domain/imports/create.js";
import { createTag } from "../../../src/domain/tags/tags.js";
import { jobs } from "../../../src/jobs/queue.js";
import { startWorker } from "../../../src/jobs/worker.js";
import { createLogger } from "../../../src/log.js";
import { createMailer } from "../../../src/mail/mailer.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/database.js";
import { startTestSmtp, type TestSmtp } from "../../helpers/smtp.js";

// The import pipeline's extensions for the JSON dialects: rows as objects, profile columns,
// tags by name and by id, and the report mail, run by a real worker over a real SMTP server.

const log = createLogger(process.env.TEST_LOG_LEVEL ?? "silent");
let database: TestDatabase;
let smtp: TestSmtp;
let worker: Runner;

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startTestSmtp();
  worker = await startWorker({
    db: database.db,
    pool: database.pool,
    log,
    mailer: createMailer(smtp.url, "gateway@example.com", log),
  });
});
afterAll(async () => {
  await worker?.stop();
  await smtp?.close();
  await database?.drop();
});

async function context(name: string): Promise<Context> {
  const { account } = await createAccount(database.db, { name, ownerEmail: `${name}@example.com` });
  return { db: database.db, account, key: null, jobs, log };
}

async function finished(importId: string) {
  for (let tries = 0; tries < 300; tries++) {
    const row = await database.db
      .selectFrom("imports")
      .selectAll()
      .where("id", "=", importId)
      .executeTakeFirstOrThrow();
    if (row.status === "completed" || row.status === "failed") return row;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`import ${importId} did not finish`);
}

function subscriber(ctx: Context, email: string) {
  return database.db
    .selectFrom("subscribers")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("email", "=", email)
    .executeTakeFirst();
}

async function tagNames(ctx: Context, email: string): Promise<string[]> {
  const rows = await database.db
    .selectFrom("subscriber_tags")
    .innerJoin("tags", "tags.id", "subscriber_tags.tag_id")
    .innerJoin("subscribers", "subscribers.id", "subscriber_tags.subscriber_id")
    .select("tags.name")
    .where("subscriber_tags.account_id", "=", ctx.account.id)
    .where("subscribers.email", "=", email)
    .orderBy("tags.name")
    .execute();
  return rows.map((row) => row.name);
}

describe("createImportFromRows", () => {
  it("imports profile columns and tags by name, refuses bad rows, reports by mail", async () => {
    const ctx = await context("rows");
    const existing = await createTag(ctx, { name: "VIP" });
    const campaign = await createTag(ctx, { name: "spring" });
    const sent = smtp.received.length;
    const created = await createImportFromRows(ctx, {
      source: "test",
      tagIds: [campaign.id],
      notifyEmail: "report@example.com",
      rows: [
        {
          email: "ada@example.com",
          first_name: "Ada",
          job_title: "Engineer",
          company: "Analytical, Ltd",
          country: "UK",
          address: 'Line 1\n"Line 2"',
          website: "https://ada.example",
          postal_code: "N1",
          birthday: "1815-12-10",
          tags: ["vip", "Math | Logic"],
        },
        { email: "bad-birthday@example.com", birthday: "1815-13-40" },
        { email: "not-an-email" },
        { email: "ADA@example.com", first_name: "Second" },
        { first_name: "No email" },
        { email: "grace@example.com", tags: [] },
      ],
    });
    expect(created.total).toBe(6);
    const done = await finished(created.id);
    expect(done).toMatchObject({ status: "completed", total: 6, created: 2, updated: 0 });
    expect(done.invalid).toBe(4);

    expect(await subscriber(ctx, "ada@example.com")).toMatchObject({
      first_name: "Ada",
      job_title: "Engineer",
      company: "Analytical, Ltd",
      country: "UK",
      address: 'Line 1\n"Line 2"',
      website: "https://ada.example",
      postal_code: "N1",
      birthday: "1815-12-10",
    });
    // "vip" matched the existing "VIP"; "Math | Logic" is two names; the import's tag on all.
    expect(await tagNames(ctx, "ada@example.com")).toEqual(["Logic", "Math", "VIP", "spring"]);
    expect(await tagNames(ctx, "grace@example.com")).toEqual(["spring"]);
    const vip = await database.db
      .selectFrom("tags")
      .select("id")
      .where("account_id", "=", ctx.account.id)
      .where("name", "ilike", "vip")
      .execute();
    expect(vip).toEqual([{ id: existing.id }]);

    const errors = await database.db
      .selectFrom("import_errors")
      .select(["row_number", "email", "message"])
      .where("import_id", "=", created.id)
      .orderBy("row_number")
      .execute();
    expect(errors).toEqual([
      {
        row_number: 2,
        email: "bad-birthday@example.com",
        message: 'birthday: "1815-13-40" is not a date (YYYY-MM-DD)',
      },
      { row_number: 3, email: "not-an-email", message: '"not-an-email" is not an email address' },
      { row_number: 4, email: "ADA@example.com", message: "duplicate of row 1" },
      { row_number: 5, email: null, message: "email is missing" },
    ]);

    const mails = await smtp.waitFor(sent + 1);
    const mail = mails[sent];
    expect(JSON.stringify(mail.to)).toContain("report@example.com");
    expect(mail.subject).toBe("Import complete: 2 created, 0 updated, 4 rejected");
    expect(mail.text).toContain("Rows:     6");
    expect(mail.text).toContain("row 4, ADA@example.com: duplicate of row 1");
    expect(mail.text).toContain("row 5, (no email): email is missing");
  });

  it("mails no report for a sandbox key's import (nothing it causes leaves the system)", async () => {
    const live = await context("sandbox-report");
    const sandbox: Context = {
      ...live,
      key: { id: "0", publicId: "sandbox", scopes: ["admin"], sandbox: true },
    };
    const sent = smtp.received.length;
    const quiet = await createImportFromRows(sandbox, {
      source: "test",
      notifyEmail: "sandbox-report@example.com",
      rows: [{ email: "sandbox-row@example.com" }],
    });
    expect(await finished(quiet.id)).toMatchObject({ status: "completed", created: 1 });
    // A live import after it mails its report: the only mail since, so the sandbox one never went.
    const loud = await createImportFromRows(live, {
      source: "test",
      notifyEmail: "live-report@example.com",
      rows: [{ email: "live-row@example.com" }],
    });
    await finished(loud.id);
    const mails = await smtp.waitFor(sent + 1);
    expect(mails.slice(sent).map((mail) => JSON.stringify(mail.to))).toEqual([
      expect.stringContaining("live-report@example.com"),
    ]);
  });

  it("updates existing subscribers without blanking what a row leaves empty", async () => {
    const ctx = await context("update");
    const first = await createImportFromRows(ctx, {
      source: "test",
      rows: [{ email: "lin@example.com", country: "FR", company: "Old" }],
    });
    await finished(first.id);
    const second = await createImportFromRows(ctx, {
      source: "test",
      rows: [{ email: "LIN@example.com", country: null, company: "New", tags: ["x"] }],
    });
    expect(await finished(second.id)).toMatchObject({ created: 0, updated: 1, invalid: 0 });
    expect(await subscriber(ctx, "lin@example.com")).toMatchObject({
      country: "FR",
      company: "New",
    });
    expect(await tagNames(ctx, "lin@example.com")).toEqual(["x"]);
  });

  it("refuses another account's tag ids before storing anything", async () => {
    const ctx = await context("mine");
    const other = await context("theirs");
    const theirs = await createTag(other, { name: "secret" });
    await expect(
      createImportFromRows(ctx, {
        source: "test",
        tagIds: [theirs.id],
        rows: [{ email: "a@b.co" }],
      }),
    ).rejects.toBeInstanceOf(NotFound);
    const imports = await database.db
      .selectFrom("imports")
      .select("id")
      .where("account_id", "=", ctx.account.id)
      .execute();
    expect(imports).toEqual([]);
  });

  it("mails the failure when the file cannot be imported", async () => {
    const ctx = await context("failing");
    const sent = smtp.received.length;
    const created = await createImport(ctx, {
      source: "test",
      notifyEmail: "report@example.com",
      content: [Buffer.from("name,phone\nAda,1\n")],
    });
    expect(await finished(created.id)).toMatchObject({ status: "failed" });
    const mails = await smtp.waitFor(sent + 1);
    expect(mails[sent].subject).toBe("Import failed: nothing was imported");
    expect(mails[sent].text).toContain("the file has no email column");
  });
});
