import type { IncomingMessage, ServerResponse } from "node:http";
import { RESPONSE_ALREADY_SENT } from "@hono/node-server/utils/response";
import type { MiddlewareHandler } from "hono";
import { findUnstorable } from "../domain/text.js";
import { answerPlanned, type PlannedRequest } from "../graphql/planned-documents.js";
import type { Logger } from "../log.js";
import { decodeUtf8 } from "../rest/kit/decode.js";
import { identify } from "./auth.js";
import { type AppDeps, domainContextOf } from "./deps.js";
import { JSON_BODY_LIMIT } from "./limits.js";

// A GraphQL request whose document a compiled plan answered before is answered here, at the
// front of the app, from node:http's own request and response: no web Request, body stream or
// Response object, no yoga (its parse, validation and limits gave their verdict on this very
// text the first time). The response is what the normal path sends for it: the same body, status,
// content type, X-Request-Id and request log line (test/graphql/edge.test.ts compares them).
// Only a plain case is taken: a POST of JSON to /graphql, of a known length within the body
// limit, with a key, without extensions, an Origin or an Expect, and an Accept this file knows.
// Everything else, and every request the plan would not answer itself (graphql/planned-documents.ts),
// continues down the app untouched: the body read here is handed on as it came.

/** The content type of the answer for each Accept header taken here, as yoga chooses it. */
const CONTENT_TYPE_OF_ACCEPT: Record<string, string> = {
  "": "application/json; charset=utf-8",
  "*/*": "application/json; charset=utf-8",
  "application/json": "application/json; charset=utf-8",
  "application/graphql-response+json": "application/graphql-response+json; charset=utf-8",
};

/** Hono's requestId(): the caller's id when it is sane, else a new one. */
function requestIdOf(header: string | undefined): string {
  return header && header.length <= 255 && !/[^\w\-=]/.test(header) ? header : crypto.randomUUID();
}

/** The bytes of a body of known length; null when it ends short or fails. */
function readBody(incoming: IncomingMessage, length: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.once("end", () => {
      const body = Buffer.concat(chunks);
      resolve(body.length === length ? body : null);
    });
    incoming.once("error", () => resolve(null));
    // A client gone before the end of its body: nothing more comes.
    incoming.once("close", () => resolve(null));
  });
}

/** The request's parameters when they are a plain JSON request this edge may answer. */
function plainRequest(text: string): PlannedRequest | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
  const { query, operationName, variables, ...rest } = parsed as Record<string, unknown>;
  if (typeof query !== "string" || Object.keys(rest).length > 0) return null;
  if (operationName != null && typeof operationName !== "string") return null;
  if (variables != null && (typeof variables !== "object" || Array.isArray(variables))) return null;
  // Text that cannot be stored is refused by useStorableText: yoga answers it.
  if (findUnstorable({ operationName, variables }, 1).length > 0) return null;
  return {
    query,
    operationName: operationName as string | null | undefined,
    variables: variables as Record<string, unknown> | null | undefined,
  };
}

type Env = { Bindings: { incoming?: IncomingMessage; outgoing?: ServerResponse } };

/** Answers remembered GraphQL documents before the rest of the app; the first middleware. */
export function plannedEdge(deps: AppDeps): MiddlewareHandler<Env> {
  const { db, log } = deps;
  return async (c, next) => {
    const incoming = c.env?.incoming;
    const outgoing = c.env?.outgoing;
    if (!incoming || !outgoing || incoming.method !== "POST" || incoming.url !== "/graphql")
      return next();
    const headers = incoming.headers;
    const contentType = CONTENT_TYPE_OF_ACCEPT[headers.accept ?? ""];
    const length = Number(headers["content-length"]);
    if (
      contentType === undefined ||
      !/^application\/json(;\s*charset=utf-8)?$/i.test(headers["content-type"] ?? "") ||
      !(length > 0 && length <= JSON_BODY_LIMIT) ||
      headers["transfer-encoding"] !== undefined ||
      headers["content-encoding"] !== undefined ||
      headers.expect !== undefined ||
      headers.origin !== undefined ||
      headers.authorization === undefined
    )
      return next();
    const started = performance.now();
    const bytes = await readBody(incoming, length);
    if (!bytes) return next();
    // The app reads the body from here when this edge does not answer.
    (incoming as IncomingMessage & { rawBody?: Buffer }).rawBody = bytes;
    const text = decodeUtf8(bytes);
    const request = text === null ? null : plainRequest(text);
    if (!request) return next();
    // Whatever fails here (the database unreachable) is answered by the rest of the app, in
    // GraphQL's format with the request's id: this edge only ever answers a success.
    const identity = await identify(db, headers.authorization).catch(() => null);
    if (identity?.kind !== "key") return next();
    // Node joins repeated headers with ", " as Hono's Headers do (and the id refuses both).
    const requestId = requestIdOf(headers["x-request-id"] as string | undefined);
    const requestLog: Logger = log.child({ requestId });
    const domain = domainContextOf(deps, identity, requestLog);
    const context = { domain, log: requestLog };
    const body = await answerPlanned(request, context).catch((error: unknown) => {
      requestLog.warn({ err: error }, "a planned answer failed: the request goes to execution");
      return null;
    });
    if (body === null) return next();
    outgoing.writeHead(200, {
      "content-length": Buffer.byteLength(body),
      "content-type": contentType,
      "x-request-id": requestId,
    });
    outgoing.end(body);
    requestLog.info(
      {
        method: "POST",
        path: "/graphql",
        status: 200,
        ms: Math.round(performance.now() - started),
      },
      "request",
    );
    return RESPONSE_ALREADY_SENT;
  };
}
