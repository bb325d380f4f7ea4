import type { Runner } from "graphile-worker";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emitEvent } from "../../src/domain/webhooks/events.js";
import { configureWebhooks } from "../../src/domain/webhooks/settings.js";
import { jobs } from "../../src/jobs/queue.js";
import { startTestGateway, type TestGateway } from "../helpers/server.js";
import {
  type Answer,
  FAST,
  type Receiver,
  readmeVerifier,
  startReceiver,
  startTestWorker,
  waitFor,
} from "./webhook-receiver.js";

// Deliveries end to end: a change through the API, a real graphile-worker running the
// deliver-webhook task, a real receiver on 127.0.0.1 (allowed here: WEBHOOK_ALLOW_PRIVATE), the
// attempts read back through the API.

let gateway: TestGateway;
let worker: Runner;
const receivers: Receiver[] = [];

beforeAll(async () => {
  configureWebhooks({ allowPrivate: true });
  gateway = await startTestGateway();
  worker = await startTestWorker(gateway.database, FAST);
});
afterAll(async () => {
  await worker?.stop();
  for (const receiver of receivers) await receiver.close();
  await gateway?.close();
});

async function receiver(answer?: (n: number) => Answer) {
  const started = await startReceiver(answer);
  receivers.push(started);
  return started;
}

function call(key: string, method: string, path: string, body?: unknown) {
  return fetch(`${gateway.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** An account with one webhook for contact.created at `url`. */
async function withWebhook(url: string) {
  const account = await gateway.account();
  const answer = await call(account.key, "POST", "/v1/webhooks", {
    url,
    events: ["contact.created"],
  });
  expect(answer.status).toBe(201);
  const webhook = (await answer.json()) as { id: string; secret: string };
  return { ...account, webhook };
}

async function createContact(key: string, email: string) {
  const answer = await call(key, "POST", "/v1/contacts", { email, first_name: "Ada" });
  expect(answer.status).toBe(201);
  return (await answer.json()) as { id: string };
}

interface Delivery {
  attempt: number;
  retry_count: number;
  succeeded: boolean;
  status_code: number | null;
  error: string | null;
  response_body: string | null;
  response_ms: number;
  next_attempt_at: string | null;
  delivery_id: string;
  event: { id: string; type: string };
}

async function deliveries(key: string, webhookId: string): Promise<Delivery[]> {
  const answer = await call(key, "GET", `/v1/webhooks/${webhookId}/deliveries`);
  expect(answer.status).toBe(200);
  return ((await answer.json()) as { data: Delivery[] }).data;
}

async function webhook(key: string, id: string) {
  const answer = await call(key, "GET", `/v1/webhooks/${id}`);
  return (await answer.json()) as {
    active: boolean;
    failing_since: string | null;
    disabled_reason: string | null;
    recent_deliveries: Delivery[];
  };
}

describe("a delivery", () => {
  it("is a signed POST that the README's receiver code verifies, once", async () => {
    const target = await receiver(() => ({ status: 204, body: "" }));
    const { key, webhook: hook } = await withWebhook(`${target.url}/hooks`);
    const contact = await createContact(key, "signed@example.com");
    const [request] = await waitFor(() => target.received.length > 0 && target.received, "POST");
    if (!request) throw new Error("no request");

    const body = JSON.parse(request.body);
    expect(body).toMatchObject({
      type: "contact.created",
      data: { contact: { id: contact.id, email: "signed@example.com", first_name: "Ada" } },
    });
    expect(Object.keys(body)).toEqual(["id", "type", "created_at", "data"]);
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["botbat-event"]).toBe("contact.created");

    const verify = await readmeVerifier();
    expect(verify(hook.secret, request.headers, request.body)).toBe(true);
    // A replay of the same request is refused (its delivery id is remembered)…
    expect(verify(hook.secret, request.headers, request.body)).toBe(false);
    // …and so are a changed body, another secret and a stale timestamp.
    const fresh = { ...request.headers, "botbat-delivery": "another" };
    expect(verify(hook.secret, fresh, request.body.replace("Ada", "Eve"))).toBe(false);
    expect(verify("whsec_other", { ...fresh, "botbat-delivery": "x2" }, request.body)).toBe(false);
    const later = Number(request.headers["botbat-timestamp"]) * 1000 + 10 * 60_000;
    expect(verify(hook.secret, { ...fresh, "botbat-delivery": "x3" }, request.body, later)).toBe(
      false,
    );

    const [recorded] = await waitFor(
      () => deliveries(key, hook.id).then((d) => d.length && d),
      "record",
    );
    expect(recorded).toMatchObject({
      attempt: 1,
      retry_count: 0,
      succeeded: true,
      status_code: 204,
      error: null,
      next_attempt_at: null,
      delivery_id: request.headers["botbat-delivery"],
      event: { id: body.id, type: "contact.created" },
    });
  });

  it("retries a 500: two attempts recorded, the same delivery id, then success", async () => {
    const target = await receiver((n) =>
      n === 0 ? { status: 500, body: "database\u0000 down" } : { status: 200, body: "thanks" },
    );
    const { key, webhook: hook } = await withWebhook(target.url);
    await createContact(key, "retry@example.com");
    const attempts = await waitFor(
      () => deliveries(key, hook.id).then((d) => d.length === 2 && d),
      "two attempts",
    );
    const [second, first] = attempts;
    expect(first).toMatchObject({
      attempt: 1,
      succeeded: false,
      status_code: 500,
      error: "answered 500",
      response_body: "database down",
    });
    expect(first?.next_attempt_at).not.toBeNull();
    expect(second).toMatchObject({ attempt: 2, retry_count: 1, succeeded: true, status_code: 200 });
    expect(second?.response_body).toBe("thanks");
    expect(target.received).toHaveLength(2);
    const [one, two] = target.received;
    expect(two?.headers["botbat-delivery"]).toBe(one?.headers["botbat-delivery"]);
    expect(two?.body).toBe(one?.body);
    // A success clears the failure state the first attempt set.
    expect(await webhook(key, hook.id)).toMatchObject({ active: true, failing_since: null });
  });

  it("records a receiver that never answers as a timeout", async () => {
    const target = await receiver((n) => (n === 0 ? "hang" : { status: 200 }));
    const { key, webhook: hook } = await withWebhook(target.url);
    await createContact(key, "slow@example.com");
    const attempts = await waitFor(
      () => deliveries(key, hook.id).then((d) => d.some((a) => a.succeeded) && d),
      "the retry's success",
    );
    const first = attempts.find((attempt) => attempt.attempt === 1);
    expect(first).toMatchObject({ succeeded: false, status_code: null, response_body: null });
    expect(first?.error).toMatch(/no answer within 1.5 s/);
    expect(first?.response_ms).toBeGreaterThanOrEqual(1000);
  });

  it("does not follow a redirect: a 302 is a failed attempt", async () => {
    const elsewhere = await receiver();
    const target = await receiver(() => ({
      status: 302,
      headers: { location: `${elsewhere.url}/moved` },
    }));
    const { key, webhook: hook } = await withWebhook(target.url);
    await createContact(key, "moved@example.com");
    const [first] = await waitFor(
      () => deliveries(key, hook.id).then((d) => d.length > 0 && d),
      "an attempt",
    );
    expect(first).toMatchObject({ attempt: 1, succeeded: false, status_code: 302 });
    expect(first?.error).toMatch(/redirects are not followed/);
    expect(elsewhere.received).toHaveLength(0);
  });

  it("turns off a webhook failing for a day, saying so, and retries no more", async () => {
    const target = await receiver(() => ({ status: 503 }));
    const { id: accountId, key, webhook: hook } = await withWebhook(target.url);
    await gateway.database.db
      .updateTable("webhooks")
      .set({ failing_since: sql<Date>`now() - interval '25 hours'` })
      .where("account_id", "=", accountId)
      .execute();
    await createContact(key, "down@example.com");
    const state = await waitFor(
      () => webhook(key, hook.id).then((w) => !w.active && w),
      "the webhook disabled",
    );
    expect(state.disabled_reason).toMatch(
      /^disabled: every delivery failed since .* \(last: answered 503\)$/,
    );
    expect(state.recent_deliveries).toHaveLength(1);
    expect(state.recent_deliveries[0]).toMatchObject({ succeeded: false, next_attempt_at: null });
    // Nothing more arrives: a second change is not even an event for an inactive webhook.
    await createContact(key, "down2@example.com");
    await noJobsLeft();
    expect(target.received).toHaveLength(1);
  });

  it("a deleted or inactive webhook's pending deliveries do nothing", async () => {
    const target = await receiver();
    const gone = await withWebhook(target.url);
    const off = await withWebhook(target.url);
    const { db } = gateway.database;
    // The events are emitted (their jobs queued) and, before any job runs, one webhook is
    // deleted and the other turned off.
    await db.transaction().execute(async (trx) => {
      for (const { id } of [gone, off]) {
        const account = await trx
          .selectFrom("accounts")
          .selectAll()
          .where("id", "=", id)
          .executeTakeFirstOrThrow();
        await emitEvent(trx, { account, key: null, jobs }, "contact.created", { contact: {} });
      }
      await trx.deleteFrom("webhooks").where("account_id", "=", gone.id).execute();
      await trx
        .updateTable("webhooks")
        .set({ active: false })
        .where("account_id", "=", off.id)
        .execute();
    });
    await noJobsLeft();
    expect(target.received).toHaveLength(0);
    const recorded = await db
      .selectFrom("webhook_deliveries")
      .select("id")
      .where("account_id", "in", [gone.id, off.id])
      .execute();
    expect(recorded).toHaveLength(0);
  });
});

/** Waits until no deliver-webhook job is queued or running. */
async function noJobsLeft() {
  await waitFor(async () => {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from graphile_worker.jobs
      where task_identifier = 'deliver-webhook'`.execute(gateway.database.db);
    return rows[0]?.n === 0;
  }, "no delivery jobs left");
}
