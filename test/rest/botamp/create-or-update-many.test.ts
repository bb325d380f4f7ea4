import { request } from "node:http";
import type { Runner } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker } from "../../../src/jobs/worker.js";
import { createLogger } from "../../../src/log.js";
import { createMailer } from "../../../src/mail/mailer.js";
import { importEnded } from "../../helpers/imports.js";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { startTestSmtp, type TestSmtp } from "../../helpers/smtp.js";
import { expectError, graphqlSubscriber, MANY, post, snapshot } from "./fixtures.js";

// The batch endpoint: 200 at once, then the import job run by a real worker, then the report
// mail to the account's owner over a real SMTP server.

let gateway: TestGateway;
let smtp: TestSmtp;
let worker: Runner;
beforeAll(async () => {
  gateway = await startTestGateway();
  smtp = await startTestSmtp();
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? "silent");
  worker = await startWorker({
    db: gateway.database.db,
    pool: gateway.database.pool,
    log,
    mailer: createMailer(smtp.url, "botamp@example.com", log),
  });
});
afterAll(async () => {
  await worker?.stop();
  await smtp?.close();
  await gateway?.close();
});

describe("POST /api/subscribers/create_or_update_many", () => {
  it("accepts at once, imports with the first duplicate winning, mails the report", async () => {
    const { key, id } = await gateway.account("batch");
    await post(
      gateway,
      "/api/subscribers/create_or_update",
      { subscriber: { email: "known@example.com", name: "Known Person", country: "NL" } },
      key,
    );
    const sent = smtp.received.length;
    // Duplicate keys inside a row, as in the document's example: the last one counts.
    const body = `{"subscribers": [
      {"email": "one@example.com", "name": "One First", "job_title": "x", "job_title": "CTO",
       "company_name": "Acme", "birthday": "1990-01-31", "tags": ["Batch", "vip"]},
      {"email": "ONE@example.com", "name": "One Again"},
      {"email": "known@example.com", "company_name": "Known Co", "country": null, "tags": ["VIP"]},
      {"email": "not-an-email", "name": "Bad"},
      {"name": "No email"},
      {"email": "bad-birthday@example.com", "birthday": "1990-02-30"},
      {"email": "two@example.com"}
    ]}`;
    const response = await post(gateway, MANY, body, key);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      status: "accepted",
      subscribers: 7,
      report_to: "owner@example.com",
    });
    expect(response.body.import_id).toMatch(/^[0-9a-f]{32}$/);

    const done = await importEnded(gateway.database.db, response.body.import_id);
    expect(done).toMatchObject({
      status: "completed",
      source: "botamp",
      total: 7,
      created: 2,
      updated: 1,
      invalid: 4,
    });

    const mails = await smtp.waitFor(sent + 1);
    const mail = mails[sent];
    expect(JSON.stringify(mail.to)).toContain("owner@example.com");
    expect(mail.subject).toBe("Import complete: 2 created, 1 updated, 4 rejected");
    const text = mail.text ?? "";
    expect(text).toContain("Rows:     7");
    expect(text).toContain("row 2, ONE@example.com: duplicate of row 1");
    expect(text).toContain('row 4, not-an-email: "not-an-email" is not an email address');
    expect(text).toContain("row 5, (no email): email is missing");
    expect(text).toContain(
      'row 6, bad-birthday@example.com: birthday: "1990-02-30" is not a date (YYYY-MM-DD)',
    );

    // What GraphQL shows: the first row of one@, the known subscriber updated but not blanked.
    const [one] = await graphqlSubscriber(gateway, key, "one@example.com");
    expect(one).toMatchObject({
      email: "one@example.com",
      firstName: "One",
      lastName: "First",
      jobTitle: "CTO",
      company: "Acme",
      birthday: "1990-01-31",
    });
    expect(one.tags.map((tag) => tag.name).sort()).toEqual(["Batch", "vip"]);
    const [known] = await graphqlSubscriber(gateway, key, "known@example.com");
    expect(known).toMatchObject({ firstName: "Known", company: "Known Co", country: "NL" });
    expect(known.tags.map((tag) => tag.name)).toEqual(["vip"]);
    const state = await snapshot(gateway, id);
    expect(state.subscribers.map((row) => row.email).sort()).toEqual([
      "known@example.com",
      "one@example.com",
      "two@example.com",
    ]);
    expect(state.tags).toBe(2);
  });

  it("refuses a malformed envelope with 400, a bad key with 401, creating no import", async () => {
    const { key, id } = await gateway.account("envelope");
    const other = await gateway.account("other");
    const cases: [unknown, string, string?][] = [
      ['{"subscribers": [', "invalid_json"],
      [{ subscriber: { email: "a@example.com" } }, "invalid_request", "subscribers"],
      [{ subscribers: {} }, "invalid_request", "subscribers"],
      [{ subscribers: [] }, "invalid_request", "subscribers"],
      [
        { subscribers: [{ email: "a@example.com" }, "b@example.com"] },
        "invalid_request",
        "subscribers[1]",
      ],
      [{ subscribers: [{ email: 12 }] }, "invalid_request", "subscribers[0].email"],
      [
        { subscribers: [{ email: "a@example.com", tags: "vip" }] },
        "invalid_request",
        "subscribers[0].tags",
      ],
      [
        { subscribers: [{ email: "a@example.com", birthday: 19900101 }] },
        "invalid_request",
        "subscribers[0].birthday",
      ],
    ];
    for (const [body, code, field] of cases) {
      expectError(await post(gateway, MANY, body, key), 400, code, field);
    }
    const good = { subscribers: [{ email: "a@example.com" }] };
    expectError(await post(gateway, MANY, good, null), 401, "unauthorized");
    expectError(await post(gateway, MANY, good, "f".repeat(40)), 401, "unauthorized");
    const state = await snapshot(gateway, id);
    expect(state).toMatchObject({ subscribers: [], imports: 0, tags: 0 });

    // Another account's key imports into that account, never this one.
    const theirs = await post(gateway, MANY, good, other.key);
    expect(theirs.status).toBe(200);
    await importEnded(gateway.database.db, theirs.body.import_id);
    expect(await snapshot(gateway, id)).toEqual(state);
  });

  it("answers 413 in botamp's format above 64 MB without reading the body", async () => {
    const { key, id } = await gateway.account("huge");
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${gateway.url}${MANY}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${key}`,
          "content-type": "application/json",
          "content-length": String(64 * 1024 * 1024 + 1),
        },
      });
      req.on("response", (res) => {
        let text = "";
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on("error", reject);
      req.write('{"subscribers": [');
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toEqual({
      error: { code: "payload_too_large", message: "the request body may be at most 64 MB" },
    });
    expect((await snapshot(gateway, id)).imports).toBe(0);
  });

  it("accepts 100,000 subscribers in one request and imports every one", async () => {
    const { key } = await gateway.account("load");
    const subscribers = Array.from({ length: 100_000 }, (_, i) => ({
      email: `person${i}@example.com`,
      name: `Person ${i}`,
      job_title: "Tester",
      country: "FR",
      company_name: "Load Co",
      postal_code: "75001",
      birthday: "1990-01-01",
      tags: ["load"],
    }));
    const response = await post(gateway, MANY, { subscribers }, key);
    expect(response.status).toBe(200);
    expect(response.body.subscribers).toBe(100_000);
    // Answered before the rows are written, not after (no clock: a loaded machine is slow at both).
    const accepted = await gateway.database.db
      .selectFrom("imports")
      .select(["status", "created"])
      .where("public_id", "=", response.body.import_id)
      .executeTakeFirstOrThrow();
    expect(accepted).toMatchObject({ created: 0 });
    expect(["queued", "running"]).toContain(accepted.status);
    const done = await importEnded(gateway.database.db, response.body.import_id);
    expect(done).toMatchObject({
      status: "completed",
      total: 100_000,
      created: 100_000,
      invalid: 0,
    });
  }, 180_000);
});
