import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Runner } from "graphile-worker";
import { sql } from "kysely";
import type { ParsedMail } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../../src/http/app.js";
import { jobs } from "../../../src/jobs/queue.js";
import { startWorker } from "../../../src/jobs/worker.js";
import { createLogger } from "../../../src/log.js";
import { createMailer } from "../../../src/mail/mailer.js";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { startTestSmtp, type TestSmtp } from "../../helpers/smtp.js";
import { envelope, graphqlList, type MailtrainClient, mailtrain } from "./client.js";

// REQUIRE_CONFIRMATION for real: a pending confirmation, a mail over SMTP sent by a worker, and
// the link that creates the subscription.

let gateway: TestGateway;
let smtp: TestSmtp;
let worker: Runner;
let api: MailtrainClient;
let cid: string;
let accessKey: string;

beforeAll(async () => {
  gateway = await startTestGateway();
  smtp = await startTestSmtp();
  const log = createLogger("silent");
  worker = await startWorker({
    db: gateway.database.db,
    pool: gateway.database.pool,
    log,
    mailer: createMailer(smtp.url, "Gateway <gateway@example.com>", log),
  });
  const { key } = await gateway.account("acme");
  accessKey = key;
  api = mailtrain(gateway, key);
  cid = (await graphqlList(gateway, key, "Weekly")).cid;
  await api.post(`/api/field/${cid}`, { NAME: "Company", TYPE: "text" });
});
afterAll(async () => {
  await worker.stop();
  await smtp.close();
  await gateway.close();
});

async function mailTo(address: string): Promise<ParsedMail> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const mail = smtp.received.find((m) => JSON.stringify(m.to).includes(address));
    if (mail) return mail;
    if (Date.now() > deadline) throw new Error(`no mail to ${address}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function rowOf(email: string) {
  const reply = await api.get(`/api/subscriptions/${cid}`);
  return reply.body.data.subscriptions.find((row: { email: string }) => row.email === email);
}

async function follow(link: string) {
  const response = await fetch(link);
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    html: await response.text(),
  };
}

function linkIn(mail: ParsedMail): string {
  const link = /https?:\/\/\S+\/subscription\/confirm\/[0-9a-f]{32}/.exec(mail.text ?? "")?.[0];
  expect(link).toBeDefined();
  return link as string;
}

describe("REQUIRE_CONFIRMATION", () => {
  it("records a pending confirmation, mails the link, and subscribes when it is followed", async () => {
    const reply = await api.post(`/api/subscribe/${cid}`, {
      EMAIL: "ada@example.com",
      FIRST_NAME: "Ada",
      MERGE_COMPANY: "Analytical Engines",
      REQUIRE_CONFIRMATION: "yes",
    });
    expect(reply).toMatchObject({
      status: 200,
      body: { data: { id: expect.stringMatching(/^[0-9a-f]{32}$/) } },
    });
    const confirmationId = reply.body.data.id;
    expect(await rowOf("ada@example.com")).toBeUndefined();

    const mail = await mailTo("ada@example.com");
    expect(mail.subject).toBe("Please confirm your subscription to Weekly");
    const link = linkIn(mail);
    expect(link).toBe(`${gateway.url}/subscription/confirm/${confirmationId}`);
    expect(await rowOf("ada@example.com")).toBeUndefined();

    const page = await follow(link);
    expect(page.status).toBe(200);
    expect(page.type).toContain("text/html");
    expect(page.html).toContain("Subscription confirmed");
    expect(page.html).toContain("ada@example.com");
    const row = await rowOf("ada@example.com");
    expect(row).toMatchObject({
      cid: confirmationId,
      status: 1,
      firstName: "Ada",
      optInIp: expect.any(String),
    });
    expect(Object.values(row)).toContain("Analytical Engines");

    const again = await follow(link);
    expect(again.status).toBe(409);
    expect(again.html).toContain("Email address already registered");
  });

  it("takes yes, true or 1 in any case; anything else subscribes at once", async () => {
    for (const [index, value] of ["TRUE", "1"].entries()) {
      const email = `on${index}@example.com`;
      await api.post(`/api/subscribe/${cid}`, { EMAIL: email, REQUIRE_CONFIRMATION: value });
      expect(await rowOf(email)).toBeUndefined();
      await mailTo(email);
    }
    await api.post(`/api/subscribe/${cid}`, {
      EMAIL: "off@example.com",
      REQUIRE_CONFIRMATION: "no",
    });
    expect((await rowOf("off@example.com"))?.status).toBe(1);
  });

  it("fails to confirm an address the list already has as subscribed", async () => {
    await api.post(`/api/subscribe/${cid}`, {
      EMAIL: "twice@example.com",
      REQUIRE_CONFIRMATION: "yes",
    });
    const link = linkIn(await mailTo("twice@example.com"));
    const direct = await api.post(`/api/subscribe/${cid}`, {
      EMAIL: "twice@example.com",
      FIRST_NAME: "Direct",
    });
    const page = await follow(link);
    expect(page.status).toBe(409);
    expect(page.html).toContain("Email address already registered");
    expect(await rowOf("twice@example.com")).toMatchObject({
      cid: direct.body.data.id,
      firstName: "Direct",
    });
  });

  it("re-subscribes an unsubscribed address that confirms", async () => {
    await api.post(`/api/subscribe/${cid}`, { EMAIL: "back@example.com" });
    await api.post(`/api/unsubscribe/${cid}`, { EMAIL: "back@example.com" });
    await api.post(`/api/subscribe/${cid}`, {
      EMAIL: "back@example.com",
      REQUIRE_CONFIRMATION: "yes",
    });
    expect((await rowOf("back@example.com"))?.status).toBe(2);
    expect((await follow(linkIn(await mailTo("back@example.com")))).status).toBe(200);
    expect((await rowOf("back@example.com"))?.status).toBe(1);
  });

  it("answers an unknown or expired link with a page saying so, subscribing nobody", async () => {
    for (const id of ["0".repeat(32), "not-a-confirmation"]) {
      const page = await follow(`${gateway.url}/subscription/confirm/${id}`);
      expect(page.status).toBe(404);
      expect(page.html).toContain("Unknown confirmation link");
    }
    const reply = await api.post(`/api/subscribe/${cid}`, {
      EMAIL: "late@example.com",
      REQUIRE_CONFIRMATION: "yes",
    });
    await gateway.database.db
      .updateTable("subscription_confirmations")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("public_id", "=", reply.body.data.id)
      .execute();
    const page = await follow(linkIn(await mailTo("late@example.com")));
    expect(page.status).toBe(410);
    expect(page.html).toContain("This link has expired");
    expect(await rowOf("late@example.com")).toBeUndefined();
  });

  it("checks the request at once: a bad value fails with 400, no confirmation, no mail", async () => {
    await api.post(`/api/field/${cid}`, { NAME: "Since", TYPE: "date-eur" });
    expect(
      await api.post(`/api/subscribe/${cid}`, {
        EMAIL: "bad@example.com",
        MERGE_SINCE: "yesterday",
        REQUIRE_CONFIRMATION: "yes",
      }),
    ).toMatchObject({
      status: 400,
      body: envelope('MERGE_SINCE: "yesterday" is not a date (DD/MM/YYYY)'),
    });
    expect(
      await api.post(`/api/subscribe/${cid}`, { EMAIL: "nope", REQUIRE_CONFIRMATION: "yes" }),
    ).toMatchObject({ status: 400, body: envelope('Invalid email address "nope".') });
    const pending = await gateway.database.db
      .selectFrom("subscription_confirmations")
      .select("email")
      .where("email", "in", ["bad@example.com", "nope"])
      .execute();
    expect(pending).toEqual([]);
  });

  it("never mails a blacklisted address: the confirmation is kept, no mail goes out", async () => {
    await api.post("/api/blacklist/add", { EMAIL: "Blocked@Example.com" });
    const blocked = await api.post(`/api/subscribe/${cid}`, {
      EMAIL: "blocked@example.com",
      REQUIRE_CONFIRMATION: "yes",
    });
    expect(blocked).toMatchObject({ status: 200, body: { data: { id: expect.any(String) } } });
    // A mail queued after it arrives; the blacklisted one never does.
    await api.post(`/api/subscribe/${cid}`, {
      EMAIL: "after@example.com",
      REQUIRE_CONFIRMATION: "yes",
    });
    await mailTo("after@example.com");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(
      smtp.received.some((mail) => JSON.stringify(mail.to).toLowerCase().includes("blocked@")),
    ).toBe(false);
  });

  it("keeps one pending confirmation for 50 requests at once, mails once, then once a minute", async () => {
    const email = "eager@example.com";
    // Whichever of the two spellings commits first is the address the mail goes to.
    const isToEmail = (mail: ParsedMail) => JSON.stringify(mail.to).toLowerCase().includes(email);
    const mailsTo = () => smtp.received.filter(isToEmail).length;
    /** Every queued mail has been sent (or has failed): nothing more can arrive. */
    const mailsSettled = async () => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const { rows } = await gateway.database.pool.query<{ n: number }>(
          "select count(*)::int as n from graphile_worker.jobs where task_identifier = 'send-mail'",
        );
        if (rows[0].n === 0) return;
        if (Date.now() > deadline) throw new Error("mails still queued after 60 s");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, index) =>
        api.post(`/api/subscribe/${cid}`, {
          EMAIL: index % 2 === 0 ? email : email.toUpperCase(),
          FIRST_NAME: `Eager ${index}`,
          REQUIRE_CONFIRMATION: "yes",
        }),
      ),
    );
    expect(replies.map((reply) => reply.status)).toEqual(replies.map(() => 200));
    const ids = new Set(replies.map((reply) => reply.body.data.id));
    expect(ids.size).toBe(1);
    const [confirmationId] = ids;
    const pending = await gateway.database.db
      .selectFrom("subscription_confirmations")
      .select("public_id")
      .where(sql<string>`lower(email)`, "=", email)
      .execute();
    expect(pending).toEqual([{ public_id: confirmationId }]);
    await mailsSettled();
    const first = smtp.received.find(isToEmail) as ParsedMail;
    expect(mailsTo()).toBe(1);
    expect(linkIn(first)).toBe(`${gateway.url}/subscription/confirm/${confirmationId}`);

    // Within the minute, a repeat mails nothing; a minute after the last mail, it mails again.
    await api.post(`/api/subscribe/${cid}`, { EMAIL: email, REQUIRE_CONFIRMATION: "yes" });
    await mailsSettled();
    expect(mailsTo()).toBe(1);
    await gateway.database.db
      .updateTable("subscription_confirmations")
      .set({ mailed_at: new Date(Date.now() - 61_000) })
      .where("public_id", "=", confirmationId)
      .execute();
    const again = await api.post(`/api/subscribe/${cid}`, {
      EMAIL: email,
      FIRST_NAME: "Eager at last",
      REQUIRE_CONFIRMATION: "yes",
    });
    expect(again.body.data.id).toBe(confirmationId);
    await mailsSettled();
    expect(mailsTo()).toBe(2);
    const second = smtp.received.filter(isToEmail)[1];

    // The link of the latest mail works and applies the latest request.
    const page = await follow(linkIn(second));
    expect(page.status).toBe(200);
    expect(await rowOf(email)).toMatchObject({ cid: confirmationId, firstName: "Eager at last" });
  });

  it("builds the link from PUBLIC_URL when the server has one", async () => {
    const app = createApp({
      db: gateway.database.db,
      pool: gateway.database.pool,
      jobs,
      log: createLogger("silent"),
      publicUrl: "https://lists.example.org/",
    });
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () =>
        resolve(started),
      );
    });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const reply = await fetch(`${base}/api/subscribe/${cid}?access_token=${accessKey}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "EMAIL=public%40example.com&REQUIRE_CONFIRMATION=yes",
      });
      const { data } = (await reply.json()) as { data: { id: string } };
      const mail = await mailTo("public@example.com");
      expect(mail.text).toContain(`https://lists.example.org/subscription/confirm/${data.id}`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
