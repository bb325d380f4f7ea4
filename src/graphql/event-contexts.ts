import {
  createSourceEventStream,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
} from "graphql";
import { isAsyncIterable, type Plugin } from "graphql-yoga";

/**
 * Executes each event of a subscription with a context of its own. graphql-js (and yoga's default
 * executor) run every event with the subscription's one context, and the DataLoaders of a context
 * cache what they loaded (createContextCache): a campaign's lists read at the first event would be
 * shown unchanged at every later one. An object per event that inherits the subscription's context
 * gives it fresh loaders and keeps everything else (the key, the logger). graphql-js's `execute` also keeps the query's field order,
 * as useOrderedExecution does for queries.
 */
export function useEventContexts(): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(subscribe as never);
    },
  };
}

async function subscribe(
  args: ExecutionArgs,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!isAsyncIterable(source)) return source as ExecutionResult;
  const events = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  // An iterator object, not an async generator: `return()` (the client left) must reach the
  // source at once, not after the next event.
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const event = await events.next();
      if (event.done) return { value: undefined, done: true };
      const result = await execute({
        ...args,
        rootValue: event.value,
        // Inherits every property without copying them (a copy cost more than the event).
        contextValue: Object.create(args.contextValue as object),
      });
      return { value: result, done: false };
    },
    async return() {
      await events.return?.();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      await events.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
