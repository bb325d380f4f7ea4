import type { ChildProcess } from "node:child_process";
import { loadavg } from "node:os";
import { createAccount } from "../src/domain/accounts/accounts.js";
import { publishChanges } from "../src/domain/realtime/publish.js";
import { subscribeSse } from "../test/helpers/sse.js";
import type { BenchDatabase } from "./harness.js";
import { startServer } from "./harness.js";

// SSE fan-out: `subscribers` GraphQL subscriptions (messageStatusChanged, the whole account's
// messages) held open on one server process, and changes announced by this process the way the
// send job announces them: a status update and its NOTIFY in one transaction. Every change is a
// different message, so nothing is coalesced: each reaches every subscriber, read once per change
// by the server (one statement shared by the subscribers of one key) and executed per subscriber.
// Latency runs from the start of the change's transaction in this process to the event's arrival
// here (one clock).
//
//   burst: every change committed as fast as one connection can, one per transaction
//   paced: `pacedPerSecond` changes a second, for the latency of a server that keeps up

const SUBSCRIPTION = `subscription { messageStatusChanged { id status sentAt } }`;

export interface SseRun {
  changes: number;
  seconds: number;
  events: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface SseFigures {
  subscribers: number;
  connectMs: number;
  burst: SseRun;
  paced: SseRun & { perSecond: number };
  load: string;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

export async function benchSse(options: {
  database: BenchDatabase;
  subscribers: number;
  changes: number;
  pacedPerSecond: number;
  pacedSeconds: number;
}): Promise<SseFigures> {
  const { database, subscribers } = options;
  const { db } = database;
  const { account, secret: key } = await createAccount(db, { name: "bench sse" });
  const contact = await db
    .insertInto("subscribers")
    .values({ account_id: account.id, email: "sse@example.com" })
    .returning("id")
    .executeTakeFirstOrThrow();
  const total = options.changes + options.pacedPerSecond * options.pacedSeconds;
  const messages = await db
    .insertInto("messages")
    .values(
      Array.from({ length: total }, (_, index) => ({
        account_id: account.id,
        subscriber_id: contact.id,
        channel: "email" as const,
        address: "sse@example.com",
        body: `message ${index}`,
        variables: "{}",
      })),
    )
    .returning(["id", "public_id"])
    .execute();

  let server: ChildProcess | undefined;
  try {
    const started = await startServer(database.databaseUrl, "off");
    server = started.process;

    // When each message's change committed, and when each subscriber saw it.
    const committedAt = new Map<string, number>();
    const latencies: number[] = [];
    let received = 0;
    let onReceived: (() => void) | null = null;
    const connecting = performance.now();
    const streams = await Promise.all(
      Array.from({ length: subscribers }, () =>
        subscribeSse<{ messageStatusChanged: { id: string } }>(started.url, SUBSCRIPTION, {}, key),
      ),
    );
    const connectMs = performance.now() - connecting;
    for (const stream of streams) {
      if (stream.status !== 200) throw new Error(`subscription refused: ${stream.status}`);
      stream.onEvent = (result) => {
        const now = performance.now();
        const id = result.data?.messageStatusChanged.id;
        const at = id === undefined ? undefined : committedAt.get(id);
        if (at !== undefined) latencies.push(now - at);
        received++;
        onReceived?.();
      };
    }

    // Message global ids as GraphQL shows them: what events carry.
    const globalId = (publicId: string) => Buffer.from(`Message:${publicId}`).toString("base64");
    const change = async (message: { id: string; public_id: string }) => {
      // Taken before the transaction: an event can never arrive before its time is known, and the
      // figure errs on the long side by the transaction's own milliseconds.
      committedAt.set(globalId(message.public_id), performance.now());
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable("messages")
          .set({ status: "sent", sent_at: new Date(), updated_at: new Date() })
          .where("account_id", "=", account.id)
          .where("id", "=", message.id)
          .execute();
        await publishChanges(trx, [
          { accountId: account.id, topic: "message", id: message.public_id },
        ]);
      });
    };
    const allReceived = (expected: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`received ${received} of ${expected} events in 600 s`)),
          600_000,
        );
        onReceived = () => {
          if (received >= expected) {
            clearTimeout(timer);
            onReceived = null;
            resolve();
          }
        };
        onReceived();
      });
    const run = async (batch: { id: string; public_id: string }[], perSecond: number | null) => {
      latencies.length = 0;
      received = 0;
      const expected = batch.length * subscribers;
      const done = allReceived(expected);
      // Awaited once every change is made; a timeout before then must not crash the bench (its
      // server process would be left running).
      done.catch(() => {});
      const start = performance.now();
      for (const [index, message] of batch.entries()) {
        if (perSecond !== null) {
          const due = start + (index * 1000) / perSecond;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
        await change(message);
      }
      await done;
      const seconds = (performance.now() - start) / 1000;
      const sorted = [...latencies].sort((x, y) => x - y);
      return {
        changes: batch.length,
        seconds,
        events: received,
        eventsPerSecond: received / seconds,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        maxMs: sorted.at(-1) ?? 0,
      };
    };

    const burst = await run(messages.slice(0, options.changes), null);
    const paced = await run(messages.slice(options.changes), options.pacedPerSecond);
    for (const stream of streams) stream.close();
    return {
      subscribers,
      connectMs,
      burst,
      paced: { ...paced, perSecond: options.pacedPerSecond },
      load: loadavg()
        .map((value) => value.toFixed(2))
        .join(" "),
    };
  } finally {
    server?.kill("SIGTERM");
    if (server) await new Promise((resolve) => server?.once("exit", resolve));
  }
}

export function sseReport(figures: SseFigures): string {
  const line = (name: string, run: SseRun) =>
    `    ${name}: ${run.changes.toLocaleString("en")} changes → ${run.events.toLocaleString("en")} events in ${run.seconds.toFixed(2)} s = ${Math.round(run.eventsPerSecond).toLocaleString("en")} events/s; change → event p50 ${run.p50Ms.toFixed(1)} ms, p99 ${run.p99Ms.toFixed(1)} ms, max ${run.maxMs.toFixed(1)} ms`;
  return [
    `(i) SSE fan-out: ${figures.subscribers} subscribers of messageStatusChanged on one server process (connected in ${Math.round(figures.connectMs)} ms); load average ${figures.load}`,
    line("burst", figures.burst),
    line(`paced at ${figures.paced.perSecond}/s`, figures.paced),
  ].join("\n");
}
