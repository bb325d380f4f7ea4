import type { RealtimeChange } from "../domain/realtime/publish.js";

/**
 * What a subscriber's stream receives: a change, or word that the LISTEN connection was lost and
 * is back (changes in between were missed: re-read what is watched).
 */
export type Notice =
  | {
      kind: "change";
      change: RealtimeChange;
      /** performance.now() when the notice reached this process. */
      at: number;
      /** Look-ups shared by every stream that got this notice (see `shared`). */
      reads: Map<string, Promise<unknown>>;
    }
  | { kind: "reconnected" };

/**
 * The one look-up of `key` for this notice: a hundred subscribers of one account watching the same
 * campaign cost one statement per change, not a hundred. Keys must say whose view they read.
 */
export function shared<T>(notice: Notice, key: string, read: () => Promise<T>): Promise<T> {
  if (notice.kind !== "change") return read();
  let found = notice.reads.get(key) as Promise<T> | undefined;
  if (!found) {
    found = read();
    notice.reads.set(key, found);
  }
  return found;
}

/** A client that reads slower than changes come is cut off past this many waiting changes. */
export const MAX_PENDING = 10_000;

/**
 * One subscriber's notices, in order, for as long as it reads them. Notices of a change to the
 * same thing wait once: each is a cue to read its current state, so a slow client skips states
 * it could not have read in time, never the last one. `return()` ends it at once, even while a
 * `next()` waits (an async generator would wait for the next notice first, keeping a departed
 * client's stream registered until something changed).
 */
export class ChangeStream implements AsyncIterableIterator<Notice> {
  private readonly pending: Notice[] = [];
  private readonly pendingIds = new Set<string>();
  private waiting: ((result: IteratorResult<Notice>) => void) | null = null;
  private ended = false;
  /** Why it ended on its own (overflow), for the log. */
  overflowed = false;

  constructor(private readonly onEnd: () => void) {}

  push(notice: Notice): void {
    if (this.ended) return;
    const id = notice.kind === "change" ? `${notice.change.topic}:${notice.change.id}` : "*";
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: notice, done: false });
      return;
    }
    if (this.pendingIds.has(id)) return;
    if (this.pending.length >= MAX_PENDING) {
      this.overflowed = true;
      this.end();
      return;
    }
    this.pendingIds.add(id);
    this.pending.push(notice);
  }

  next(): Promise<IteratorResult<Notice>> {
    const notice = this.pending.shift();
    if (notice) {
      this.pendingIds.delete(
        notice.kind === "change" ? `${notice.change.topic}:${notice.change.id}` : "*",
      );
      return Promise.resolve({ value: notice, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** Ends the stream: what is pending is dropped, a waiting `next()` gets done. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.pending.length = 0;
    this.pendingIds.clear();
    const resolve = this.waiting;
    this.waiting = null;
    resolve?.({ value: undefined, done: true });
    this.onEnd();
  }

  return(): Promise<IteratorResult<Notice>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Notice> {
    return this;
  }
}
