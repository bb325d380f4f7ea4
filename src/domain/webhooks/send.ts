import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { AddressRefused, guardedLookup, hostOf, isForbiddenAddress } from "./address.js";

// One POST to a receiver, as a delivery makes it: the address guarded at connection time, no
// redirect followed (a 3xx is an answer like any other), a deadline over the whole exchange, and
// only the first bytes of the answer kept.

export const RESPONSE_BYTES = 1024;

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivate: boolean;
}

export interface SendOutcome {
  /** The receiver's status; null when none came. */
  status: number | null;
  /** Why no status came (or, with one, nothing). */
  error: string | null;
  /** The first RESPONSE_BYTES of the answer's body, as text. */
  body: string | null;
  ms: number;
}

export function send(request: SendRequest): Promise<SendOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: Omit<SendOutcome, "ms">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...outcome, ms: elapsed() });
    };
    const url = new URL(request.url);
    const host = hostOf(url);
    // A literal address skips the lookup: it is checked here instead.
    if (!request.allowPrivate && isIP(host) !== 0 && isForbiddenAddress(host)) {
      const error = `${host} is a loopback, private, link-local or metadata address`;
      finish({ status: null, error, body: null });
      return;
    }
    const client = url.protocol === "https:" ? https : http;
    const req = client.request(url, {
      method: "POST",
      headers: { ...request.headers, "content-length": Buffer.byteLength(request.body) },
      lookup: guardedLookup(request.allowPrivate) as unknown as typeof import("node:dns").lookup,
      agent: false,
    });
    timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${request.timeoutMs / 1000} s`));
    }, request.timeoutMs);
    req.on("error", (error) => {
      const message = error instanceof AddressRefused ? error.message : describe(error);
      finish({ status: null, error: message, body: null });
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        // As text Postgres can store: no NUL (a cut multi-byte character becomes U+FFFD).
        const body = Buffer.concat(chunks)
          .subarray(0, RESPONSE_BYTES)
          .toString("utf8")
          .replaceAll("\0", "");
        finish({ status: res.statusCode ?? null, error: null, body });
        res.destroy();
      };
      res.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= RESPONSE_BYTES) done();
      });
      res.on("end", done);
      // The status came: a body cut short does not turn the answer into a failure to answer.
      res.on("error", done);
      res.on("aborted", done);
    });
    req.end(request.body);
  });
}

function describe(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}
