import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { type ServerType, serve } from "@hono/node-server";
import type { Runner } from "graphile-worker";
import { pino } from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp } from "../../src/http/app.js";
import { jobs } from "../../src/jobs/queue.js";
import { startWorker } from "../../src/jobs/worker.js";
import { createMailer } from "../../src/mail/mailer.js";
import { startTestGateway, type TestGateway } from "../helpers/server.js";
import { startTestSmtp, type TestSmtp } from "../helpers/smtp.js";
import { graphqlList } from "../rest/mailtrain/client.js";

// A confirmation mail that an SMTP server refuses: the failure is logged with the job's ids, and
// the link (a secret: following it subscribes) appears in no log line, the request log of
// following it included.

let gateway: TestGateway;
let smtp: TestSmtp;
let worker: Runner;
let server: ServerType;
let base: string;
const lines: string[] = [];

beforeAll(async () => {
  gateway = await startTestGateway();
  smtp = await startTestSmtp({ refuse: true });
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  const log = pino({ level: "trace" }, sink);
  worker = await startWorker({
    db: gateway.database.db,
    pool: gateway.database.pool,
    log,
    mailer: createMailer(smtp.url, "Gateway <gateway@example.com>", log),
  });
  const app = createApp({ db: gateway.database.db, pool: gateway.database.pool, jobs, log });
  server = await new Promise((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () =>
      resolve(started),
    );
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await worker.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await smtp.close();
  await gateway.close();
});

it("logs a refused confirmation mail by job id, never with its link", async () => {
  const { key } = await gateway.account("acme");
  const { cid } = await graphqlList(gateway, key, "Weekly");
  const reply = await fetch(`${base}/api/subscribe/${cid}?access_token=${key}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "EMAIL=ada%40example.com&REQUIRE_CONFIRMATION=yes",
  });
  expect(reply.status).toBe(200);
  const confirmationId = ((await reply.json()) as { data: { id: string } }).data.id;
  expect(confirmationId).toMatch(/^[0-9a-f]{32}$/);

  const deadline = Date.now() + 60_000;
  let failure: Record<string, unknown> | undefined;
  while (!failure) {
    failure = lines.map((line) => JSON.parse(line)).find((entry) => /^Failed task/.test(entry.msg));
    if (Date.now() > deadline) throw new Error(`no failure logged; logs:\n${lines.join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const { rows } = await gateway.database.pool.query<{ id: string }>(
    "select id::text from graphile_worker.jobs where task_identifier = 'send-mail'",
  );
  expect(rows).toHaveLength(1);
  expect(failure.job).toMatchObject({ id: rows[0].id, task_identifier: "send-mail" });
  expect(String(failure.msg)).toContain(`Failed task ${rows[0].id}`);

  // The link, followed: its request is logged with the path's shape only.
  const page = await fetch(`${base}/subscription/confirm/${confirmationId}`);
  expect(page.status).toBe(200);
  await page.text();
  const logged = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === "request");
  expect(logged.map((entry) => entry.path)).toContain("/subscription/confirm/:cid");

  const all = lines.join("\n");
  expect(all).not.toContain(confirmationId);
  expect(all).not.toContain(key);
});

it("without SMTP_URL, logs a mail's recipient and subject at info and its text only at debug", async () => {
  const { key } = await gateway.account("no-smtp");
  const { cid } = await graphqlList(gateway, key, "Daily");
  const logged: { level: number; msg: string; [field: string]: unknown }[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) logged.push(JSON.parse(line));
      done();
    },
  });
  const log = pino({ level: "trace" }, sink);
  // The worker of this file sends through the refusing SMTP server: this one runs the same job
  // queue with the mailer a setup without SMTP_URL gets, and alone takes the mail below.
  await worker.stop();
  worker = await startWorker({
    db: gateway.database.db,
    pool: gateway.database.pool,
    log,
    mailer: createMailer(undefined, "Gateway <gateway@example.com>", log),
  });
  // The refused mail of the test above stays failed: it must not be retried through this mailer.
  await gateway.database.pool.query(
    "select graphile_worker.permanently_fail_jobs(array(select id from graphile_worker.jobs), 'test over')",
  );
  const reply = await fetch(`${base}/api/subscribe/${cid}?access_token=${key}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "EMAIL=grace%40example.com&REQUIRE_CONFIRMATION=yes",
  });
  const confirmationId = ((await reply.json()) as { data: { id: string } }).data.id;

  const deadline = Date.now() + 60_000;
  while (!logged.some((entry) => entry.msg === "mail not sent (no SMTP_URL)")) {
    if (Date.now() > deadline) throw new Error(`no mail logged:\n${JSON.stringify(logged)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const info = logged.filter((entry) => entry.level >= 30);
  expect(info.find((entry) => entry.msg === "mail not sent (no SMTP_URL)")).toMatchObject({
    to: "grace@example.com",
    subject: "Please confirm your subscription to Daily",
  });
  expect(JSON.stringify(info)).not.toContain(confirmationId);
  // A developer without a mail server still finds the link, at debug.
  const debug = logged.filter((entry) => entry.level < 30);
  expect(JSON.stringify(debug)).toContain(`/subscription/confirm/${confirmationId}`);
});
