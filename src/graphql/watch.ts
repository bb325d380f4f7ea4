import { GraphQLError } from "graphql";
import { keyIsLive } from "../domain/accounts/key-alive.js";
import type { RealtimeTopic } from "../domain/realtime/publish.js";
import type { ChangeStream, Notice } from "../realtime/stream.js";
import { shared } from "../realtime/stream.js";
import { domainOf, type GraphQLContext } from "./context.js";

// How a subscription field turns notices into the states it yields: each notice is a cue to read
// the current state with the subscriber's own context (its account, its key), so a subscriber
// sees what a query would show it, never what the notice's sender saw.

/** A state to yield; `undefined`: nothing for this subscriber; `null`: gone, the stream ends. */
export type Reading<T> = T | null | undefined;

async function openStream(context: GraphQLContext, topic: RealtimeTopic): Promise<ChangeStream> {
  const domain = domainOf(context);
  if (!context.realtime) {
    throw new GraphQLError("Subscriptions are not served by this server.", {
      extensions: { code: "SERVICE_UNAVAILABLE" },
    });
  }
  try {
    return await context.realtime.open(domain.account.id, topic);
  } catch (error) {
    throw new GraphQLError(
      "Subscriptions are unavailable for now: the server cannot hear of changes. Try again later.",
      { extensions: { code: "SERVICE_UNAVAILABLE" }, originalError: error as Error },
    );
  }
}

/** The key of a look-up shared by the subscribers of one notice that use the same API key. */
function viewKey(context: GraphQLContext, what: string): string {
  const domain = domainOf(context);
  return `${what}|${domain.key?.id ?? "-"}`;
}

/**
 * Yields `first`, then what `read` makes of each notice, until the client leaves, the thing is
 * gone or the server stops. Written as an iterator object so that `return()` (the client left)
 * ends the notice stream at once.
 */
function states<T>(
  context: GraphQLContext,
  stream: ChangeStream,
  first: T | null,
  read: (notice: Notice) => Promise<Reading<T>>,
): AsyncIterableIterator<T> {
  const domain = domainOf(context);
  const keyId = domain.key?.id;
  // The key was checked when subscribing; a key revoked since (through any process) ends the
  // stream before it shows anything more. Asked once per change for all streams of the key.
  const live = (notice: Notice) =>
    keyId === undefined
      ? Promise.resolve(false)
      : shared(notice, `key|${keyId}`, () => keyIsLive(domain.db, keyId));
  let initial = first;
  const done = { value: undefined, done: true } as const;
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      if (initial !== null) {
        const value = initial;
        initial = null;
        return { value, done: false };
      }
      for (;;) {
        const notice = await stream.next();
        if (notice.done) return done;
        if (!(await live(notice.value))) {
          stream.end();
          return done;
        }
        const state = await read(notice.value);
        if (state === undefined) continue;
        if (state === null) {
          stream.end();
          return done;
        }
        return { value: state, done: false };
      }
    },
    async return() {
      stream.end();
      return done;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

/**
 * One thing by its public id: its current state at once (which proves the subscription is live
 * and spares the client a separate query), then after each change, and after a lost LISTEN
 * connection is back (changes in between were not heard). `notFound` is thrown when the
 * subscriber's account has no such thing; the stream ends when it is deleted.
 */
export async function watchOne<T>(
  context: GraphQLContext,
  topic: RealtimeTopic,
  publicId: string,
  load: (publicId: string) => Promise<T | null>,
  notFound: () => Error,
): Promise<AsyncIterableIterator<T>> {
  const stream = await openStream(context, topic);
  let current: T | null;
  try {
    current = await load(publicId);
  } catch (error) {
    stream.end();
    throw error;
  }
  if (current === null) {
    stream.end();
    throw notFound();
  }
  const key = viewKey(context, `${topic}:${publicId}`);
  return states(context, stream, current, async (notice) => {
    if (notice.kind === "change" && notice.change.id !== publicId) return undefined;
    return shared(notice, key, () => load(publicId));
  });
}

/**
 * Every change of a topic in the subscriber's account that `keep` accepts, each read as `load`
 * sees it. A lost LISTEN connection loses the changes made while it was down: there is no one
 * thing to re-read.
 */
export async function watchAll<T>(
  context: GraphQLContext,
  topic: RealtimeTopic,
  load: (publicId: string) => Promise<T | null>,
  keep: (state: T) => boolean = () => true,
): Promise<AsyncIterableIterator<T>> {
  const stream = await openStream(context, topic);
  return states(context, stream, null, async (notice) => {
    if (notice.kind !== "change") return undefined;
    const id = notice.change.id;
    const state = await shared(notice, viewKey(context, `${topic}:${id}`), () => load(id));
    // A thing deleted since its notice is skipped, not the end of the stream.
    return state !== null && keep(state) ? state : undefined;
  });
}
