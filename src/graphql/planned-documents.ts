import type { DocumentNode, ExecutionArgs } from "graphql";
import { compiledStats, type Plan, runPlanToJson } from "./compiled.js";
import type { GraphQLContext } from "./context.js";
import { schema } from "./schema.js";

// Documents whose request yoga has answered with a compiled plan, by their text and operation
// name: the text parsed, validated and passed by graphql-armor's limits (none of which depends
// on variables or on the key), and compiled. A later request with the same text can be answered
// by the plan without yoga (src/http/planned-edge.ts): the plan still checks the key's scopes and
// coerces the variables on each request, and anything it would not answer itself goes to yoga.

/** Past this many documents the memory starts over (clients send few distinct documents). */
const MAX_DOCUMENTS = 1_000;

interface Planned {
  plan: Plan;
  document: DocumentNode;
}

const documents = new Map<string, Planned>();

const keyOf = (query: string, operationName: string | null | undefined) =>
  `${operationName ?? ""}\u0000${query}`;

/** The parameters yoga read from the request, in its context. */
interface YogaParams {
  query?: string;
  operationName?: string | null;
  extensions?: unknown;
}

/** Remembers the document of a request a plan answered without an error. */
export function rememberPlanned(args: ExecutionArgs, plan: Plan): void {
  const params = (args.contextValue as { params?: YogaParams }).params;
  if (typeof params?.query !== "string" || params.extensions != null) return;
  const key = keyOf(params.query, params.operationName);
  if (documents.has(key)) return;
  if (documents.size >= MAX_DOCUMENTS) documents.clear();
  documents.set(key, { plan, document: args.document });
}

export interface PlannedRequest {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

/** Requests answered here rather than by yoga (tests and benchmarks read it). */
export const plannedDocumentStats = { answered: 0 };

/**
 * The JSON body of a request whose document a plan answered before, as yoga would write it; null
 * when yoga must answer (a document not seen, a key without a scope, a variable of the wrong
 * type, anything that would be an error).
 */
export async function answerPlanned(
  request: PlannedRequest,
  context: GraphQLContext,
): Promise<string | null> {
  const planned = documents.get(keyOf(request.query, request.operationName));
  if (!planned) return null;
  try {
    const body = await runPlanToJson(planned.plan, {
      schema,
      document: planned.document,
      contextValue: context,
      variableValues: request.variables ?? {},
      operationName: request.operationName,
    });
    compiledStats.planned++;
    plannedDocumentStats.answered++;
    return body;
  } catch {
    // Reads only: yoga executes it again and answers the exact data or errors.
    return null;
  }
}
