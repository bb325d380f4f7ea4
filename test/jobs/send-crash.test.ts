import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createChannels } from "../../src/channels/index.js";
import { defaultChannelSettings } from "../../src/channels/settings.js";
import { SEND_MESSAGES_TASK } from "../../src/domain/messages/queue.js";
import { claimLiveness } from "../../src/jobs/liveness.js";
import { jobs } from "../../src/jobs/queue.js";
import { sendMessages, UNKNOWN_OUTCOME } from "../../src/jobs/send-messages.js";
import { createLogger } from "../../src/log.js";
import { createMailer } from "../../src/mail/mailer.js";
import { startCloudApi, type TestCloudApi } from "../channels/cloud-api.js";
import { until, WorkerProcesses } from "../helpers/process.js";
import { startTestGateway, type TestGateway } from "../helpers/server.js";
import { call, list, subscriber, template } from "../rest/botbat/campaigns-fixtures.js";
import { botbat } from "../rest/botbat/contacts-client.js";
import { contact } from "../rest/botbat/messaging-fixtures.js";
import { type Receiver, startReceiver } from "./webhook-receiver.js";

// Provider sends happen at most once. A worker process is SIGKILLed while WhatsApp (a local
// server in the Cloud API's shape) holds one of its sends, which WhatsApp then accepts: the next
// worker does not send it again but fails it as of unknown outcome, with its message.failed
// webhook, and sends the rest once each. And a send a live worker is making is not taken from it
// by a second job for the same message.

const log = createLogger(process.env.TEST_LOG_LEVEL ?? "silent");

let gateway: TestGateway;
let api: TestCloudApi;
let receiver: Receiver;
const workers = new WorkerProcesses(() => ({
  DATABASE_URL: gateway.database.url,
  WHATSAPP_API_URL: api.url,
  WHATSAPP_PHONE_NUMBER_ID: "1098765",
  WHATSAPP_TOKEN: "EAAG-test",
  // Far longer than the test holds a send: the held one is never retried for a timeout.
  PROVIDER_TIMEOUT_SECONDS: "120",
  WEBHOOK_ALLOW_PRIVATE: "true",
  // The held send's job and a second job side by side.
  WORKER_CONCURRENCY: "2",
}));

beforeAll(async () => {
  gateway = await startTestGateway();
  api = await startCloudApi();
  receiver = await startReceiver();
});
afterAll(async () => {
  await workers.stop();
  await api?.close();
  await receiver?.close();
  await gateway?.close();
});

const sendsTo = (phone: string) => api.requests.filter((request) => request.body.to === phone);

interface Message {
  id: string;
  status: string;
  failure_reason: string | null;
  attempts: number;
}

async function statusOf(accountId: string, publicId: string) {
  return gateway.database.db
    .selectFrom("messages")
    .select(["status", "failure_reason", "attempts", "send_claimed_by", "send_claimed_at"])
    .where("account_id", "=", accountId)
    .where("public_id", "=", publicId)
    .executeTakeFirstOrThrow();
}

async function internalId(publicId: string): Promise<string> {
  const row = await gateway.database.db
    .selectFrom("messages")
    .select("id")
    .where("public_id", "=", publicId)
    .executeTakeFirstOrThrow();
  return row.id;
}

it("a worker killed while WhatsApp holds a send: not sent again but failed as unknown, the others sent once", async () => {
  const account = await gateway.account();
  const client = botbat(gateway, account.key);
  await gateway.database.db
    .insertInto("webhooks")
    .values({
      account_id: account.id,
      url: `${receiver.url}/hooks`,
      events: ["message.sent", "message.failed"],
      secret: "whsec_test",
    })
    .execute();
  const HELD = "+14155550701";
  const OTHERS = ["+14155550702", "+14155550703"];
  const LATER = "+14155550704";
  api.answer = (to) => (to === HELD ? "hold" : "ok");

  const send = async (phone: string) => {
    const person = await contact(gateway, account.id, { email: `${phone}@example.com`, phone });
    const sent = await client.post<Message>("/v1/messages/send", {
      contact_id: person.publicId,
      channel: "whatsapp",
      body: "Your order has shipped",
    });
    expect(sent.status).toBe(201);
    return sent.body.id;
  };
  const others = [await send(OTHERS[0]), await send(OTHERS[1])];
  const held = await send(HELD);

  const first = workers.start();
  await until(
    () => `WhatsApp to receive the held send and the others to be sent; worker: ${first.output()}`,
    async () => {
      if (api.held.length === 0) return null;
      for (const id of others) if ((await statusOf(account.id, id)).status !== "sent") return null;
      return true;
    },
    60_000,
  );
  expect(api.held[0].request.body.to).toBe(HELD);
  const claimed = await statusOf(account.id, held);
  expect(claimed).toMatchObject({ status: "queued", attempts: 1 });
  expect(claimed.send_claimed_by).not.toBeNull();

  // A second job for the held message while its worker is alive: it leaves the send alone.
  await jobs.add(
    gateway.database.db,
    SEND_MESSAGES_TASK,
    { messageIds: [await internalId(held)] },
    { jobKey: "send-crash-duplicate" },
  );
  await until(
    () => `the second job for the held message to finish; worker: ${first.output()}`,
    async () => {
      if (sendsTo(HELD).length > 1) throw new Error("the second job sent the held message again");
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from graphile_worker.jobs
        where key = 'send-crash-duplicate'`.execute(gateway.database.db);
      return rows[0].n === 0 ? true : null;
    },
    60_000,
  );
  expect(sendsTo(HELD)).toHaveLength(1);
  expect(await statusOf(account.id, held)).toMatchObject({ status: "queued", attempts: 1 });

  first.child.kill("SIGKILL");
  await first.exited;
  // WhatsApp took the message: only its answer is lost with the worker.
  api.held[0].release();
  // Queued while no worker runs.
  const later = await send(LATER);

  const second = workers.start();
  const failed = await until(
    () => `the held message to be settled; worker: ${second.output()}`,
    async () => {
      const row = await statusOf(account.id, held);
      return row.status === "queued" ? null : row;
    },
    60_000,
  );
  expect(failed).toMatchObject({
    status: "failed",
    failure_reason: UNKNOWN_OUTCOME,
    attempts: 1,
    send_claimed_by: null,
    send_claimed_at: null,
  });
  await until(
    () => `the message queued while no worker ran to be sent; worker: ${second.output()}`,
    async () => ((await statusOf(account.id, later)).status === "sent" ? true : null),
    60_000,
  );

  // What the account sees: GET /v1/messages/{id} and the message.failed webhook.
  const read = await client.get<Message>(`/v1/messages/${held}`);
  expect(read.body).toMatchObject({ id: held, status: "failed", failure_reason: UNKNOWN_OUTCOME });
  const hook = await until(
    "the message.failed webhook of the held message",
    async () =>
      receiver.received
        .map(
          (request) =>
            JSON.parse(request.body) as {
              type: string;
              data: { message: Record<string, unknown> };
            },
        )
        .find((event) => event.type === "message.failed" && event.data.message.id === held) ?? null,
    60_000,
  );
  expect(hook.data.message).toMatchObject({ status: "failed", failure_reason: UNKNOWN_OUTCOME });

  // Exactly one request each: the held one never twice, the others never again.
  expect(sendsTo(HELD)).toHaveLength(1);
  for (const phone of [...OTHERS, LATER]) expect(sendsTo(phone)).toHaveLength(1);
  for (const id of [...others, later])
    expect(await statusOf(account.id, id)).toMatchObject({
      status: "sent",
      attempts: 1,
      send_claimed_by: null,
    });
}, 240_000);

it("a send a live worker is making is not taken by a second job for the same message", async () => {
  const db = gateway.database.db;
  const account = await gateway.account();
  const phone = "+14155550711";
  const person = await contact(gateway, account.id, { email: "live@example.com", phone });
  // Written straight, without its job: the two sends below are the jobs under test.
  const message = await db
    .insertInto("messages")
    .values({
      account_id: account.id,
      subscriber_id: person.id,
      channel: "whatsapp",
      address: phone,
      body: "Your table is ready",
    })
    .returning(["id", "public_id"])
    .executeTakeFirstOrThrow();
  api.answer = (to) => (to === phone ? "hold" : "ok");
  const pool = await claimLiveness(gateway.database.pool, `send-crash-live-${account.id}`);
  const channels = createChannels(
    {
      ...defaultChannelSettings(),
      production: false,
      whatsapp: {
        apiUrl: api.url,
        phoneNumberId: "1098765",
        token: "EAAG-test",
        timeoutMs: 120_000,
      },
    },
    { db, jobs, log, mailer: createMailer(undefined, "gateway@example.com", log) },
  );
  try {
    const deps = { db, jobs, log, channels, worker: pool.poolId };
    const first = sendMessages(deps, [message.id]);
    const held = await until(
      "WhatsApp to receive the send",
      async () => api.held.find((send) => send.request.body.to === phone) ?? null,
      60_000,
    );
    // The second job runs to its end while the first still waits for WhatsApp.
    let ended = false;
    const second = sendMessages(deps, [message.id]).finally(() => (ended = true));
    await until(
      "the second job to end",
      async () => {
        if (sendsTo(phone).length > 1) throw new Error("the second job sent the message again");
        return ended ? true : null;
      },
      60_000,
    );
    await second;
    expect(sendsTo(phone)).toHaveLength(1);
    expect(await statusOf(account.id, message.public_id)).toMatchObject({
      status: "queued",
      attempts: 1,
      send_claimed_by: pool.poolId,
    });

    held.release();
    await first;
    expect(sendsTo(phone)).toHaveLength(1);
    expect(await statusOf(account.id, message.public_id)).toMatchObject({
      status: "sent",
      failure_reason: null,
      attempts: 1,
      send_claimed_by: null,
      send_claimed_at: null,
    });
  } finally {
    await channels.close();
    await pool.release();
  }
}, 120_000);

it("a worker killed mid-campaign while WhatsApp holds its first send: the batch's other messages are sent once by the next worker", async () => {
  // Only the workers this test starts send its campaign.
  await workers.stop("SIGTERM");
  const db = gateway.database.db;
  const account = await gateway.account();
  const members = await list(db, account.id, "members");
  const tpl = await template(db, account.id, {
    channel: "whatsapp",
    body: "Our sale starts today",
  });
  const phones = ["+14155550721", "+14155550722", "+14155550723", "+14155550724"];
  for (const phone of phones)
    await subscriber(db, account.id, {
      email: `${phone}@example.com`,
      phone,
      lists: [{ id: members.id }],
    });
  // The first send WhatsApp receives is held, whoever it is for.
  let first: string | null = null;
  api.answer = (to) => {
    first ??= to;
    return to === first && phones.includes(to) ? "hold" : "ok";
  };
  const created = await call(gateway.url, account.key, "POST", "/v1/campaigns", {
    name: "Sale",
    channel: "whatsapp",
    template_id: tpl.public_id,
    audience: { list_ids: [members.public_id] },
  });
  expect(created.status).toBe(201);
  const campaign = (await created.json()) as { id: string };
  const { id: campaignId } = await db
    .selectFrom("campaigns")
    .select("id")
    .where("public_id", "=", campaign.id)
    .executeTakeFirstOrThrow();
  const sent = await call(gateway.url, account.key, "POST", `/v1/campaigns/${campaign.id}/send`);
  expect(sent.status).toBe(200);
  const messages = () =>
    db
      .selectFrom("messages")
      .select(["address", "status", "failure_reason", "attempts", "send_claimed_at"])
      .where("account_id", "=", account.id)
      .where("campaign_id", "=", campaignId)
      .execute();

  // One send at a time: while WhatsApp holds the first, the batch's others wait their turn.
  const killed = workers.start({ SEND_CONCURRENCY: "1" });
  const heldSend = await until(
    () => `WhatsApp to receive the campaign's first send; worker: ${killed.output()}`,
    async () => api.held.find((send) => phones.includes(String(send.request.body.to))) ?? null,
    60_000,
  );
  const heldPhone = String(heldSend.request.body.to);
  const before = await messages();
  expect(before).toHaveLength(phones.length);
  expect(before.filter((row) => row.send_claimed_at !== null).map((row) => row.address)).toEqual([
    heldPhone,
  ]);
  killed.child.kill("SIGKILL");
  await killed.exited;
  heldSend.release();

  const next = workers.start({ SEND_CONCURRENCY: "1" });
  const get = async () =>
    (await (
      await call(gateway.url, account.key, "GET", `/v1/campaigns/${campaign.id}`)
    ).json()) as { status: string; stats: Record<string, number> };
  const completed = await until(
    () => `the campaign to complete; worker: ${next.output()}`,
    async () => {
      const now = await get();
      return now.status === "completed" ? now : null;
    },
    60_000,
  );
  expect(completed.stats).toMatchObject({ total: 4, queued: 0, sent: 3, failed: 1 });
  const after = await messages();
  for (const row of after) {
    expect(sendsTo(row.address)).toHaveLength(1);
    expect(row).toMatchObject(
      row.address === heldPhone
        ? { status: "failed", failure_reason: UNKNOWN_OUTCOME, attempts: 1, send_claimed_at: null }
        : { status: "sent", attempts: 1, send_claimed_at: null },
    );
  }
}, 240_000);

it("a claim a live worker left from a run that ended (its recording failed) is failed as unknown, not sent", async () => {
  const db = gateway.database.db;
  const account = await gateway.account();
  const phone = "+14155550731";
  const person = await contact(gateway, account.id, { email: "ended@example.com", phone });
  const pool = await claimLiveness(gateway.database.pool, `send-crash-ended-${account.id}`);
  // What a run of this pool leaves when the database refused its recording after WhatsApp
  // answered: the message queued, its attempt counted, its claim still on it.
  const message = await db
    .insertInto("messages")
    .values({
      account_id: account.id,
      subscriber_id: person.id,
      channel: "whatsapp",
      address: phone,
      body: "Your parcel is on its way",
      attempts: 1,
      send_claimed_by: pool.poolId,
      send_claimed_at: new Date(),
    })
    .returning(["id", "public_id"])
    .executeTakeFirstOrThrow();
  const channels = createChannels(
    {
      ...defaultChannelSettings(),
      production: false,
      whatsapp: { apiUrl: api.url, phoneNumberId: "1098765", token: "EAAG-test", timeoutMs: 5_000 },
    },
    { db, jobs, log, mailer: createMailer(undefined, "gateway@example.com", log) },
  );
  try {
    // The job run again, in the same pool, which is alive.
    await sendMessages({ db, jobs, log, channels, worker: pool.poolId }, [message.id]);
    expect(sendsTo(phone)).toHaveLength(0);
    expect(await statusOf(account.id, message.public_id)).toMatchObject({
      status: "failed",
      failure_reason: UNKNOWN_OUTCOME,
      attempts: 1,
      send_claimed_by: null,
    });
  } finally {
    await channels.close();
    await pool.release();
  }
});
