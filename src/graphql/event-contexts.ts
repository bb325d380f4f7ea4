import {
  createSourceEventStream,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
} from "graphql";
import { isAsyncIterable, type Plugin } from "graphql-yoga";
import type { GraphQLContext } from "./context.js";

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

/**
 * Results by event and by what was asked. The states a change yields are read once for all the
 * streams of one key (watch.ts), so they share one object: streams of that key that asked the
 * same document with the same variables get the same result, executed once (a hundred browser
 * tabs of one app watching one account cost one execution per change, not a hundred).
 */
const executions = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();
const documentIds = new WeakMap<object, number>();
let lastDocumentId = 0;

function requestShape(args: ExecutionArgs): string {
  let documentId = documentIds.get(args.document);
  if (documentId === undefined) {
    documentId = ++lastDocumentId;
    documentIds.set(args.document, documentId);
  }
  const key = (args.contextValue as GraphQLContext | undefined)?.domain?.key?.id ?? "-";
  return JSON.stringify([documentId, args.operationName ?? null, args.variableValues ?? {}, key]);
}

async function subscribe(
  args: ExecutionArgs,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!isAsyncIterable(source)) return source as ExecutionResult;
  const events = (source as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  const shape = requestShape(args);
  const run = async (payload: unknown) =>
    (await execute({
      ...args,
      rootValue: payload,
      // Inherits every property without copying them (a copy cost more than the event).
      contextValue: Object.create(args.contextValue as object),
    })) as ExecutionResult;
  const executed = (payload: unknown): Promise<ExecutionResult> => {
    if (typeof payload !== "object" || payload === null) return run(payload);
    let byShape = executions.get(payload);
    if (!byShape) {
      byShape = new Map();
      executions.set(payload, byShape);
    }
    let result = byShape.get(shape);
    if (!result) {
      result = run(payload);
      byShape.set(shape, result);
    }
    return result;
  };
  // An iterator object, not an async generator: `return()` (the client left) must reach the
  // source at once, not after the next event.
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const event = await events.next();
      if (event.done) return { value: undefined, done: true };
      return { value: await executed(event.value), done: false };
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
