import pg from "pg";
import {
  REALTIME_CHANNEL,
  type RealtimeChange,
  type RealtimeTopic,
} from "../domain/realtime/publish.js";
import type { Logger } from "../log.js";
import { ChangeStream, type Notice } from "./stream.js";

// One LISTEN connection per server process turns the NOTIFYs of every process and worker into
// notices for this process's subscribers, keyed by account and topic. The connection is its own
// (a pooled one would be handed to other work, and LISTEN belongs to a session); it opens with
// the first subscriber and closes a while after the last one leaves, and a dropped one is
// reopened with backoff, after which every stream is told that notices may have been missed.

export interface RealtimeOptions {
  /** How to reach the database (the pool's own settings). */
  connection: pg.ClientConfig;
  log: Logger;
  /** How long the connection stays open with no subscriber, for the next one (default 30 s). */
  lingerMs?: number;
  /** Waits between reconnection attempts: doubled from `firstMs` up to `maxMs`. */
  backoff?: { firstMs: number; maxMs: number };
  /** A subscription that cannot LISTEN within this time is refused (default 10 s). */
  readyTimeoutMs?: number;
}

/** What the GraphQL layer subscribes through (the listener, or anything that fans out the same). */
export interface RealtimeChanges {
  /** Notices of one topic in one account from the moment it resolves (its LISTEN is active). */
  open(accountId: string, topic: RealtimeTopic): Promise<ChangeStream>;
}

/** No LISTEN connection could be opened in time: the database is unreachable. */
export class RealtimeUnavailable extends Error {}

/** The name the connection shows in pg_stat_activity (operators and tests find it by it). */
export const LISTENER_APPLICATION_NAME = `contact-gateway realtime (pid ${process.pid})`;

const TOPICS = new Set<string>(["message", "conversation", "import", "campaign"]);

/** One LISTEN connection's life: aborted when it is no longer wanted. */
interface Session {
  stop: AbortController;
  listening: boolean;
  waiters: Set<() => void>;
  done: Promise<void>;
}

export class RealtimeListener implements RealtimeChanges {
  private readonly streams = new Map<string, Set<ChangeStream>>();
  private subscribers = 0;
  private session: Session | null = null;
  private linger: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly lingerMs: number;
  private readonly backoff: { firstMs: number; maxMs: number };
  private readonly readyTimeoutMs: number;

  constructor(private readonly options: RealtimeOptions) {
    this.lingerMs = options.lingerMs ?? 30_000;
    this.backoff = options.backoff ?? { firstMs: 100, maxMs: 5_000 };
    this.readyTimeoutMs = options.readyTimeoutMs ?? 10_000;
  }

  async open(accountId: string, topic: RealtimeTopic): Promise<ChangeStream> {
    if (this.closed) throw new RealtimeUnavailable("the server is stopping");
    const key = `${accountId}:${topic}`;
    const stream = new ChangeStream(() => this.remove(key, stream));
    const set = this.streams.get(key) ?? new Set();
    set.add(stream);
    this.streams.set(key, set);
    this.subscribers++;
    if (this.linger) {
      clearTimeout(this.linger);
      this.linger = null;
    }
    try {
      await this.listening(this.session ?? this.start());
    } catch (error) {
      await stream.return();
      throw error;
    }
    return stream;
  }

  /** Subscribers connected to this process (the bench and logs read it). */
  get size(): number {
    return this.subscribers;
  }

  /** Ends every stream (their clients see the subscription complete) and closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.linger) clearTimeout(this.linger);
    for (const set of [...this.streams.values()]) for (const stream of set) stream.end();
    const session = this.session;
    this.session = null;
    if (session) {
      session.stop.abort();
      await session.done;
    }
  }

  private remove(key: string, stream: ChangeStream): void {
    const set = this.streams.get(key);
    if (!set?.delete(stream)) return;
    if (set.size === 0) this.streams.delete(key);
    this.subscribers--;
    if (this.subscribers === 0 && this.session && !this.closed) {
      this.linger = setTimeout(() => {
        this.linger = null;
        if (this.subscribers > 0 || !this.session) return;
        this.session.stop.abort();
        this.session = null;
      }, this.lingerMs);
      this.linger.unref();
    }
  }

  private listening(session: Session): Promise<void> {
    if (session.listening) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const ready = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        session.waiters.delete(ready);
        reject(
          new RealtimeUnavailable(
            `could not LISTEN for changes within ${this.readyTimeoutMs} ms: the database is unreachable`,
          ),
        );
      }, this.readyTimeoutMs);
      session.waiters.add(ready);
    });
  }

  private start(): Session {
    const session: Session = {
      stop: new AbortController(),
      listening: false,
      waiters: new Set(),
      done: Promise.resolve(),
    };
    session.done = this.run(session);
    this.session = session;
    return session;
  }

  /** Keeps one connection LISTENing until the session is stopped. */
  private async run(session: Session): Promise<void> {
    const { log } = this.options;
    const signal = session.stop.signal;
    let failures = 0;
    let listenedBefore = false;
    while (!signal.aborted) {
      const client = new pg.Client({
        ...this.options.connection,
        application_name: LISTENER_APPLICATION_NAME,
      });
      // Whatever ends the connection (a server restart, pg_terminate_backend, a network cut).
      const lost = new Promise<Error | null>((resolve) => {
        client.on("error", (error) => resolve(error));
        client.on("end", () => resolve(null));
      });
      client.on("notification", (message) => {
        if (!signal.aborted && message.payload) this.dispatch(message.payload);
      });
      let reason: unknown = null;
      try {
        await client.connect();
        await client.query(`listen ${REALTIME_CHANNEL}`);
        session.listening = true;
        failures = 0;
        if (listenedBefore) {
          log.info("realtime: listening for changes again; subscribers re-read what they watch");
          this.broadcast({ kind: "reconnected" });
        } else {
          log.info({ subscribers: this.subscribers }, "realtime: listening for changes");
        }
        listenedBefore = true;
        for (const ready of session.waiters) ready();
        session.waiters.clear();
        reason = await Promise.race([lost, aborted(signal)]);
      } catch (error) {
        reason = error;
      }
      session.listening = false;
      client.removeAllListeners("notification");
      await client.end().catch(() => {});
      if (signal.aborted) break;
      const waitMs = Math.min(this.backoff.maxMs, this.backoff.firstMs * 2 ** failures);
      failures++;
      log.warn(
        { err: reason ?? undefined, retryInMs: waitMs, attempt: failures },
        "realtime: the LISTEN connection is down; reconnecting",
      );
      await sleep(waitMs, signal);
    }
    log.info("realtime: stopped listening");
  }

  private dispatch(payload: string): void {
    const change = parseChange(payload);
    if (!change) {
      this.options.log.warn({ payload }, "realtime: a notice that is not a change; ignored");
      return;
    }
    const set = this.streams.get(`${change.accountId}:${change.topic}`);
    if (!set) return;
    // One notice for every stream: the first reader's look-up is shared (see Notice.shared).
    const notice: Notice = { kind: "change", change, at: performance.now(), reads: new Map() };
    for (const stream of set) stream.push(notice);
  }

  private broadcast(notice: Notice): void {
    for (const set of this.streams.values()) for (const stream of set) stream.push(notice);
  }
}

function parseChange(payload: string): RealtimeChange | null {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { accountId, topic, id } = value as Record<string, unknown>;
  if (typeof accountId !== "string" || typeof id !== "string" || typeof topic !== "string")
    return null;
  if (!TOPICS.has(topic)) return null;
  return { accountId, topic: topic as RealtimeTopic, id };
}

function aborted(signal: AbortSignal): Promise<null> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve(null);
    else signal.addEventListener("abort", () => resolve(null), { once: true });
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
