import type { Runner } from "graphile-worker";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { issueKey } from "../../src/domain/accounts/keys.js";
import { emitEvent } from "../../src/domain/webhooks/events.js";
import { configureWebhooks } from "../../src/domain/webhooks/settings.js";
import { jobs } from "../../src/jobs/queue.js";
import { startTestGateway, type TestGateway } from "../helpers/server.js";
import { graphqlList, mailtrain } from "../rest/mailtrain/client.js";
import {
  FAST,
  type Receiver,
  startReceiver,
  startTestWorker,
  waitFor,
} from "./webhook-receiver.js";

// Events from every surface reach a webhook: the same contact.* events whichever API made the
// change, import.completed when an import ends, and nothing from a change that rolled back.

let gateway: TestGateway;
let worker: Runner;
let target: Receiver;

beforeAll(async () => {
  configureWebhooks({ allowPrivate: true });
  gateway = await startTestGateway();
  worker = await startTestWorker(gateway.database, FAST);
  target = await startReceiver();
});
afterAll(async () => {
  await worker?.stop();
  await target?.close();
  await gateway?.close();
});

interface Event {
  id: string;
  type: string;
  data: {
    contact?: { id: string; email: string; first_name?: string | null; last_name?: string | null };
  } & Record<string, unknown>;
}

/** An account whose webhook hears every event at its own path of the receiver. */
async function listeningAccount() {
  const account = await gateway.account();
  const path = `/${account.sid}`;
  const answer = await fetch(`${gateway.url}/v1/webhooks`, {
    method: "POST",
    headers: { authorization: `Bearer ${account.key}`, "content-type": "application/json" },
    body: JSON.stringify({
      url: `${target.url}${path}`,
      events: ["contact.created", "contact.updated", "contact.deleted", "import.completed"],
    }),
  });
  expect(answer.status).toBe(201);
  const events = () =>
    target.received
      .filter((request) => request.path === path)
      .map((request) => JSON.parse(request.body) as Event);
  return { ...account, events };
}

/** Waits until the account's receiver path got `count` events matching `match`. */
async function eventsOf(
  events: () => Event[],
  match: (event: Event) => boolean,
  count = 1,
): Promise<Event[]> {
  return waitFor(() => {
    const found = events().filter(match);
    return found.length >= count && found;
  }, "events");
}

const byEmail = (type: string, email: string) => (event: Event) =>
  event.type === type && event.data.contact?.email === email;

it("GraphQL's create, update and delete are contact.created, .updated, .deleted", async () => {
  const { key, events } = await listeningAccount();
  const created = await gateway.graphql<{ createSubscriber: { subscriber: { id: string } } }>(
    `mutation { createSubscriber(input: { email: "gql@example.com", firstName: "Grace" }) {
      ... on CreateSubscriberPayload { subscriber { id } } } }`,
    {},
    key,
  );
  expect(created.errors).toBeUndefined();
  const id = created.data?.createSubscriber.subscriber.id;
  const updated = await gateway.graphql(
    `mutation($id: ID!) { updateSubscriber(input: { id: $id, firstName: "Hopper" }) {
      ... on UpdateSubscriberPayload { subscriber { id } } } }`,
    { id },
    key,
  );
  expect(updated.errors).toBeUndefined();
  const deleted = await gateway.graphql(
    `mutation($id: ID!) { deleteSubscriber(input: { id: $id }) {
      ... on DeleteSubscriberPayload { deletedId } } }`,
    { id },
    key,
  );
  expect(deleted.errors).toBeUndefined();
  const [made] = await eventsOf(events, byEmail("contact.created", "gql@example.com"));
  const [changed] = await eventsOf(events, byEmail("contact.updated", "gql@example.com"));
  const [gone] = await eventsOf(events, byEmail("contact.deleted", "gql@example.com"));
  expect(made?.data.contact?.first_name).toBe("Grace");
  expect(changed?.data.contact?.first_name).toBe("Hopper");
  expect(gone?.data.contact?.id).toBe(made?.data.contact?.id);
});

it("mailtrain's subscribe is a contact.created, a second one with new fields a contact.updated", async () => {
  const { key, events } = await listeningAccount();
  const { cid } = await graphqlList(gateway, key, "news");
  const api = mailtrain(gateway, key);
  const subscribed = await api.post(`/api/subscribe/${cid}`, {
    EMAIL: "mt@example.com",
    FIRST_NAME: "Mail",
  });
  expect(subscribed.status).toBe(200);
  await eventsOf(events, byEmail("contact.created", "mt@example.com"));
  const again = await api.post(`/api/subscribe/${cid}`, {
    EMAIL: "mt@example.com",
    FIRST_NAME: "Mailed",
  });
  expect(again.status).toBe(200);
  const [updated] = await eventsOf(events, byEmail("contact.updated", "mt@example.com"));
  expect(updated?.data.contact?.first_name).toBe("Mailed");
});

it("botamp's create_or_update is a contact.created, then a contact.updated", async () => {
  const { key, events } = await listeningAccount();
  for (const name of ["Bot Amp", "Bot Ampere"]) {
    const answer = await fetch(`${gateway.url}/api/subscribers/create_or_update`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ subscriber: { email: "ba@example.com", name } }),
    });
    expect(answer.status).toBeLessThan(300);
  }
  await eventsOf(events, byEmail("contact.created", "ba@example.com"));
  const [updated] = await eventsOf(events, byEmail("contact.updated", "ba@example.com"));
  expect(updated?.data.contact?.last_name).toBe("Ampere");
});

it("an import emits import.completed with its counts, and no per-contact events", async () => {
  const { key, events } = await listeningAccount();
  const form = new FormData();
  const csv = "email,first_name\nimp1@example.com,A\nimp2@example.com,B\nnot-an-email,C\n";
  form.append("file", new Blob([csv], { type: "text/csv" }), "people.csv");
  const answer = await fetch(`${gateway.url}/v1/contacts/import`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}` },
    body: form,
  });
  expect(answer.status).toBe(202);
  const [completed] = await eventsOf(events, (event) => event.type === "import.completed");
  expect(completed?.data).toMatchObject({
    import: { status: "completed", total: 3, created: 2, updated: 0, invalid: 1 },
  });
  expect(events().filter((event) => event.type.startsWith("contact."))).toEqual([]);
});

it("a change that rolls back emits nothing: no event, no job, no delivery", async () => {
  const { id, key, events } = await listeningAccount();
  const { db } = gateway.database;
  const account = await db
    .selectFrom("accounts")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  await expect(
    db.transaction().execute(async (trx) => {
      await emitEvent(trx, { account, key: null, jobs }, "contact.created", { contact: {} });
      throw new Error("the change fails after its event");
    }),
  ).rejects.toThrow("the change fails");
  // A refused write through a surface: a duplicate email is a conflict, written nowhere.
  const first = await gateway.graphql(
    `mutation { createSubscriber(input: { email: "dup@example.com" }) { __typename } }`,
    {},
    key,
  );
  expect(first.errors).toBeUndefined();
  const second = await gateway.graphql<{ createSubscriber: { __typename: string } }>(
    `mutation { createSubscriber(input: { email: "DUP@example.com" }) { __typename } }`,
    {},
    key,
  );
  expect(second.data?.createSubscriber.__typename).toBe("ConflictError");
  await eventsOf(events, byEmail("contact.created", "dup@example.com"));
  await waitFor(async () => {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from graphile_worker.jobs
      where task_identifier = 'deliver-webhook'`.execute(db);
    return rows[0]?.n === 0;
  }, "no jobs left");
  const stored = await db
    .selectFrom("webhook_events")
    .select("type")
    .where("account_id", "=", id)
    .execute();
  expect(stored).toEqual([{ type: "contact.created" }]);
  expect(events()).toHaveLength(1);
});

it("a sandbox key's changes reach only sandbox webhooks, a live key's only live ones", async () => {
  const { id, sid, key } = await gateway.account();
  const sandboxKey = (
    await issueKey(gateway.database.db, id, {
      scopes: ["webhooks:write", "contacts:write"],
      sandbox: true,
    })
  ).secret;
  const register = async (bearer: string, path: string) => {
    const answer = await fetch(`${gateway.url}/v1/webhooks`, {
      method: "POST",
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
      body: JSON.stringify({ url: `${target.url}${path}`, events: ["contact.created"] }),
    });
    expect(answer.status).toBe(201);
    return ((await answer.json()) as { sandbox: boolean }).sandbox;
  };
  expect(await register(key, `/${sid}/live`)).toBe(false);
  expect(await register(sandboxKey, `/${sid}/sandbox`)).toBe(true);
  const create = async (bearer: string, email: string) => {
    const answer = await fetch(`${gateway.url}/v1/contacts`, {
      method: "POST",
      headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
      body: JSON.stringify({ email }),
    });
    expect(answer.status).toBe(201);
  };
  await create(sandboxKey, "sandboxed@example.com");
  await create(key, "live@example.com");
  const emailsAt = (path: string) =>
    target.received
      .filter((request) => request.path === path)
      .map((request) => (JSON.parse(request.body) as Event).data.contact?.email);
  await waitFor(
    () => emailsAt(`/${sid}/live`).length + emailsAt(`/${sid}/sandbox`).length >= 2,
    "both deliveries",
  );
  await waitFor(async () => {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from graphile_worker.jobs
      where task_identifier = 'deliver-webhook'`.execute(gateway.database.db);
    return rows[0]?.n === 0;
  }, "no jobs left");
  expect(emailsAt(`/${sid}/live`)).toEqual(["live@example.com"]);
  expect(emailsAt(`/${sid}/sandbox`)).toEqual(["sandboxed@example.com"]);
});
