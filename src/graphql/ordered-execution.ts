import { execute } from "graphql";
import type { Plugin } from "graphql-yoga";
import { executeWithPlans } from "./compiled.js";
import { rememberPlanned } from "./planned-documents.js";

/**
 * Executes with graphql-js's own `execute` instead of yoga's default (@graphql-tools/executor).
 * That executor builds each object by assigning fields as their resolvers settle, so the
 * synchronous fields come first and the asynchronous ones (loaders, global ids) after, in the
 * order they finish: `{ id subscriberCount name }` came back as `name, id, subscriberCount`.
 * The GraphQL specification (§7.2.2, "Serialized Map Ordering") wants the query's order, which
 * graphql-js keeps. We use neither @defer/@stream nor subscriptions, the executor's extras.
 *
 * Documents a compiled plan answers (compiled.ts) skip graphql-js: the plan builds each object
 * in the query's order too, and their documents are remembered for src/http/planned-edge.ts.
 * `compiledPlans: false` executes every document with graphql-js.
 */
export function useOrderedExecution(options: { compiledPlans?: boolean } = {}): Plugin {
  const executeFn =
    options.compiledPlans === false ? execute : executeWithPlans(execute, rememberPlanned);
  return {
    onExecute({ setExecuteFn }) {
      setExecuteFn(executeFn);
    },
  };
}
