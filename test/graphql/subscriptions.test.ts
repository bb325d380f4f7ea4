import { type ChildProcess, spawn } from "node:child_process";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../../src/domain/accounts/accounts.js";
import { issueKey } from "../../src/domain/accounts/keys.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { killHard, type ServerProcess, startServerProcess, until } from "../helpers/process.js";
import type { TestGateway } from "../helpers/server.js";
import { type SseSubscription, subscribeSse } from "../helpers/sse.js";
import { uploadOk } from "../imports/fixtures.js";

// Two real server processes on one database, neither running jobs: A takes the changes, B holds
// the subscribers, and a third process (`npm run worker`) runs the import A queued. Whatever B's
// subscribers hear has crossed processes through Postgres LISTEN/NOTIFY.

const ROWS = 60_000;

let database: TestDatabase;
let a: ServerProcess;
let b: ServerProcess;
let worker: ChildProcess | undefined;
let workerOutput = "";
let key: string;
let accountId: string;
let otherKey: string;
let campaignsOnlyKey: string;
const open: SseSubscription[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  [a, b] = await Promise.all([
    startServerProcess({ databaseUrl: database.url, env: { WORKER: "off" } }),
    startServerProcess({ databaseUrl: database.url, env: { WORKER: "off" } }),
  ]);
  const first = await createAccount(database.db, { name: "first" });
  key = first.secret;
  accountId = first.account.id;
  campaignsOnlyKey = (await issueKey(database.db, first.account.id, { scopes: ["campaigns:read"] }))
    .secret;
  otherKey = (await createAccount(database.db, { name: "other" })).secret;
});

afterAll(async () => {
  for (const subscription of open) subscription.close();
  if (worker && worker.exitCode === null) {
    worker.kill("SIGKILL");
    await new Promise((resolve) => worker?.once("exit", resolve));
  }
  await Promise.all([a && killHard(a), b && killHard(b)]);
  await database?.drop();
});

const IMPORT_PROGRESS = `subscription($id: ID!) {
  importProgress(id: $id) { id status total processed created updated invalid progress }
}`;

interface ImportState {
  id: string;
  status: string;
  total: number;
  processed: number;
  created: number;
  progress: number;
}

async function subscribe<T>(
  server: { url: string },
  query: string,
  variables: Record<string, unknown>,
  withKey: string | null,
): Promise<SseSubscription<T>> {
  const subscription = await subscribeSse<T>(server.url, query, variables, withKey);
  open.push(subscription as SseSubscription);
  return subscription;
}

async function graphql<T>(
  server: { url: string },
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(`${query}: ${JSON.stringify(body)}`);
  return body.data;
}

function csv(rows: number): string {
  const lines = ["email,first_name"];
  for (let row = 1; row <= rows; row++) lines.push(`person${row}@example.com,Person ${row}`);
  return `${lines.join("\n")}\n`;
}

/** A server process's LISTEN connection, as Postgres sees it. */
async function listenerOf(server: ServerProcess): Promise<number | null> {
  const { rows } = await sql<{ pid: number }>`
    select pid from pg_stat_activity
    where application_name = ${`contact-gateway realtime (pid ${server.child.pid})`}`.execute(
    database.db,
  );
  return rows[0]?.pid ?? null;
}

describe("GraphQL subscriptions over SSE across processes", () => {
  let importId: string;
  let watcher: SseSubscription<{ importProgress: ImportState }>;

  it("start with the import's current state on B for an import queued through A", async () => {
    // A process nobody subscribes to holds no LISTEN connection.
    expect(await listenerOf(a)).toBeNull();
    const created = await uploadOk({ url: a.url } as TestGateway, key, csv(ROWS));
    importId = created.id;
    watcher = await subscribe(b, IMPORT_PROGRESS, { id: importId }, key);
    expect(watcher.status).toBe(200);
    expect(watcher.contentType).toMatch(/^text\/event-stream/);
    const first = await watcher.next();
    expect(first.errors).toBeUndefined();
    expect(first.data?.importProgress).toMatchObject({
      id: importId,
      status: "QUEUED",
      total: ROWS,
      processed: 0,
      created: 0,
    });
  });

  it("refuse another account's import as NOT_FOUND, and a key without imports:read", async () => {
    const other = await subscribe<{ importProgress: ImportState }>(
      b,
      IMPORT_PROGRESS,
      { id: importId },
      otherKey,
    );
    const otherErrors = other.refusal?.errors ?? (await other.next()).errors;
    expect(otherErrors?.[0]?.extensions?.code).toBe("NOT_FOUND");

    const unscoped = await subscribe<{ importProgress: ImportState }>(
      b,
      IMPORT_PROGRESS,
      { id: importId },
      campaignsOnlyKey,
    );
    const unscopedErrors = unscoped.refusal?.errors ?? (await unscoped.next()).errors;
    expect(unscopedErrors?.[0]?.extensions?.code).toBe("FORBIDDEN");

    const anonymous = await subscribe(b, IMPORT_PROGRESS, { id: importId }, null);
    expect(anonymous.status).toBe(401);
    const anonymousErrors = anonymous.refusal?.errors ?? (await anonymous.next()).errors;
    expect(anonymousErrors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("survive B's LISTEN connection being terminated: the state is read again", async () => {
    const before = await until("B's LISTEN connection", () => listenerOf(b), 20_000);
    await sql`select pg_terminate_backend(${before})`.execute(database.db);
    // Once listening again, B re-reads what its subscribers watch: changes made while it was
    // deaf would otherwise be lost.
    const again = await watcher.next(30_000);
    expect(again.data?.importProgress).toMatchObject({ id: importId, status: "QUEUED" });
    const after = await listenerOf(b);
    expect(after).not.toBeNull();
    expect(after).not.toBe(before);
    expect(b.output()).toContain("realtime: the LISTEN connection is down; reconnecting");
  });

  it("deliver the import's progress to B while a worker process runs it, up to its completion", async () => {
    worker = spawn(process.execPath, ["--import", "tsx", "src/jobs/run-worker.ts"], {
      env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    worker.stdout?.on("data", (chunk) => (workerOutput += chunk));
    worker.stderr?.on("data", (chunk) => (workerOutput += chunk));
    const states: ImportState[] = [];
    for (;;) {
      const event = await watcher.next(120_000).catch((error: Error) => {
        throw new Error(`${error.message}; worker: ${workerOutput}`);
      });
      expect(event.errors).toBeUndefined();
      const state = event.data?.importProgress as ImportState;
      states.push(state);
      if (state.status === "COMPLETED") break;
    }
    // Progress is announced every 50,000 rows read: some state between queued and completed
    // reached B, with a count in between.
    const running = states.filter((state) => state.status === "RUNNING");
    expect(running.length).toBeGreaterThan(0);
    expect(running.some((state) => state.processed > 0 && state.processed < ROWS)).toBe(true);
    expect(states.at(-1)).toMatchObject({
      status: "COMPLETED",
      processed: ROWS,
      created: ROWS,
      progress: 1,
    });
    // Statuses only move forward.
    const order = ["QUEUED", "RUNNING", "COMPLETED"];
    const ranks = states.map((state) => order.indexOf(state.status));
    expect(ranks).toEqual([...ranks].sort((x, y) => x - y));
  });

  it("deliver a campaign's status changed through A's GraphQL to B's subscriber", async () => {
    const tag = await graphql<{ createTag: { tag: { id: string } } }>(
      a,
      `mutation { createTag(input: { name: "spring" }) { ... on CreateTagPayload { tag { id } } } }`,
    );
    const created = await graphql<{ createCampaign: { campaign: { id: string } } }>(
      a,
      `mutation($tagId: ID!) { createCampaign(input: {
          name: "Spring", subject: "Hello", body: "Hi {{first_name}}", tagIds: [$tagId] }) {
        ... on CreateCampaignPayload { campaign { id } } } }`,
      { tagId: tag.createTag.tag.id },
    );
    const id = created.createCampaign.campaign.id;
    const progress = await subscribe<{ campaignProgress: { id: string; status: string } }>(
      b,
      "subscription($id: ID!) { campaignProgress(id: $id) { id status scheduledAt } }",
      { id },
      key,
    );
    expect((await progress.next()).data?.campaignProgress).toMatchObject({ id, status: "DRAFT" });

    const at = new Date(Date.now() + 3_600_000).toISOString();
    const sent = await graphql<{ sendCampaign: { __typename: string } }>(
      a,
      `mutation($id: ID!, $at: DateTime) { sendCampaign(input: { id: $id, at: $at }) {
        __typename ... on Error { message } } }`,
      { id, at },
    );
    expect(sent.sendCampaign).toEqual({ __typename: "SendCampaignPayload" });
    expect((await progress.next()).data?.campaignProgress).toMatchObject({
      id,
      status: "SCHEDULED",
      scheduledAt: at,
    });

    await graphql(a, `mutation($id: ID!) { cancelCampaign(input: { id: $id }) { __typename } }`, {
      id,
    });
    expect((await progress.next()).data?.campaignProgress).toMatchObject({ id, status: "DRAFT" });
  });

  it("deliver a message's statuses and its new conversation to B's subscribers of the account only", async () => {
    const contacts = await graphql<{ subscribers: { edges: { node: { id: string } }[] } }>(
      a,
      "{ subscribers(first: 1) { edges { node { id } } } }",
    );
    const contactId = contacts.subscribers.edges[0].node.id;
    type MessageState = { id: string; status: string; conversation: { id: string } | null };
    const messages = await subscribe<{ messageStatusChanged: MessageState }>(
      b,
      "subscription { messageStatusChanged { id status conversation { id } } }",
      {},
      key,
    );
    const conversations = await subscribe<{
      conversationUpdated: { id: string; status: string; contact: { id: string } };
    }>(b, "subscription { conversationUpdated { id status contact { id } } }", {}, key);
    const othersMessages = await subscribe(
      b,
      "subscription { messageStatusChanged { id status } }",
      {},
      otherKey,
    );
    const othersConversations = await subscribe(
      b,
      "subscription { conversationUpdated { id } }",
      {},
      otherKey,
    );
    for (const stream of [messages, conversations, othersMessages, othersConversations])
      expect(stream.status).toBe(200);

    const sent = await graphql<{ sendMessage: { sentMessage: { id: string } } }>(
      a,
      `mutation($contactId: ID!) {
        sendMessage(input: { contactId: $contactId, channel: EMAIL, subject: "Hi", body: "Hello" }) {
          ... on SendMessagePayload { sentMessage { id } } ... on Error { message } } }`,
      { contactId },
    );
    const messageId = sent.sendMessage.sentMessage?.id;
    expect(messageId, JSON.stringify(sent)).toBeTypeOf("string");

    // The worker moves it through the sandbox's lifecycle (no provider is configured).
    const states: MessageState[] = [];
    while (states.at(-1)?.status !== "READ") {
      const event = await messages.next(60_000);
      expect(event.errors).toBeUndefined();
      states.push(event.data?.messageStatusChanged as MessageState);
    }
    expect(new Set(states.map((state) => state.id))).toEqual(new Set([messageId]));
    const order = ["QUEUED", "SENT", "DELIVERED", "READ"];
    const ranks = states.map((state) => order.indexOf(state.status));
    expect(ranks.every((rank) => rank >= 0)).toBe(true);
    expect(ranks).toEqual([...ranks].sort((x, y) => x - y));

    const opened = (await conversations.next()).data?.conversationUpdated;
    expect(opened).toMatchObject({ status: "OPEN", contact: { id: contactId } });
    expect(states[0].conversation?.id).toBe(opened?.id);

    // One message's state by id: its current state first.
    const one = await subscribe<{ messageStatusChanged: MessageState }>(
      b,
      "subscription($id: ID!) { messageStatusChanged(id: $id) { id status } }",
      { id: messageId },
      key,
    );
    expect((await one.next()).data?.messageStatusChanged).toMatchObject({
      id: messageId,
      status: "READ",
    });
    // The other account's subscribers were connected to the same process all along, and every
    // notice reaches all of a process's streams in one pass: they heard nothing.
    expect(othersMessages.received).toEqual([]);
    expect(othersConversations.received).toEqual([]);
    const foreign = await subscribe(
      b,
      "subscription($id: ID!) { messageStatusChanged(id: $id) { id } }",
      { id: messageId },
      otherKey,
    );
    const foreignErrors = foreign.refusal?.errors ?? (await foreign.next()).errors;
    expect(foreignErrors?.[0]?.extensions?.code).toBe("NOT_FOUND");
  });

  it("end a stream whose key is revoked through A before it shows another change", async () => {
    const issued = await issueKey(database.db, accountId, {});
    const tag = await graphql<{ createTag: { tag: { id: string } } }>(
      a,
      `mutation { createTag(input: { name: "revoked" }) { ... on CreateTagPayload { tag { id } } } }`,
    );
    const created = await graphql<{ createCampaign: { campaign: { id: string } } }>(
      a,
      `mutation($tagId: ID!) { createCampaign(input: {
          name: "Later", subject: "Hello", body: "Hi", tagIds: [$tagId] }) {
        ... on CreateCampaignPayload { campaign { id } } } }`,
      { tagId: tag.createTag.tag.id },
    );
    const id = created.createCampaign.campaign.id;
    const watch = await subscribe<{ campaignProgress: { status: string } }>(
      b,
      "subscription($id: ID!) { campaignProgress(id: $id) { status } }",
      { id },
      issued.secret,
    );
    expect((await watch.next()).data?.campaignProgress).toEqual({ status: "DRAFT" });

    const keyId = Buffer.from(`ApiKey:${issued.key.public_id}`).toString("base64");
    const revoked = await graphql<{ revokeApiKey: { __typename: string } }>(
      a,
      `mutation($id: ID!) { revokeApiKey(input: { id: $id }) { __typename } }`,
      { id: keyId },
    );
    expect(revoked.revokeApiKey.__typename).toBe("RevokeApiKeyPayload");
    const at = new Date(Date.now() + 3_600_000).toISOString();
    await graphql(
      a,
      `mutation($id: ID!, $at: DateTime) { sendCampaign(input: { id: $id, at: $at }) { __typename } }`,
      { id, at },
    );
    await expect(watch.next()).rejects.toThrow("the stream completed after 1 events");
    expect(watch.completedByServer()).toBe(true);
    expect(watch.received).toHaveLength(1);
  });

  it("complete every open stream when B is stopped", async () => {
    const open = await subscribe(b, "subscription { conversationUpdated { id } }", {}, key);
    expect(open.status).toBe(200);
    b.child.kill("SIGTERM");
    await open.completed;
    // Completed by the server, not cut: the HTTP drain would otherwise have waited its 10 s for
    // the stream and then closed the connection under it.
    expect(open.completedByServer()).toBe(true);
    expect(await b.exited).toEqual({ code: 0, signal: null });
  });
});
