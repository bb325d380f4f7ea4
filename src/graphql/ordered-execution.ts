import { execute } from "graphql";
import type { Plugin } from "graphql-yoga";

/**
 * Executes with graphql-js's own `execute` instead of yoga's default (@graphql-tools/executor).
 * That executor builds each object by assigning fields as their resolvers settle, so the
 * synchronous fields come first and the asynchronous ones (loaders, global ids) after, in the
 * order they finish: `{ id subscriberCount name }` came back as `name, id, subscriberCount`.
 * The GraphQL specification (§7.2.2, "Serialized Map Ordering") wants the query's order, which
 * graphql-js keeps. We use neither @defer/@stream nor subscriptions, the executor's extras.
 */
export function useOrderedExecution(): Plugin {
  return {
    onExecute({ setExecuteFn }) {
      setExecuteFn(execute);
    },
  };
}
