import { createHash, type Hash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Env, Context as HonoContext, MiddlewareHandler } from "hono";
import {
  claimIdempotencyKey,
  finishIdempotencyKey,
  type IdempotencyClaim,
  readIdempotencyKey,
  releaseIdempotencyKey,
  type StoredAnswer,
} from "../../domain/accounts/idempotency.js";
import type { Context } from "../../domain/context.js";

// `Idempotency-Key` on POSTs, for any dialect: the first request with a key runs and its answer
// is kept (src/domain/accounts/idempotency.ts); a retry with the same key and the same request
// gets that answer again, marked `Idempotent-Replayed: true`, and runs nothing. The dialect
// supplies the envelopes of the three refusals. Without the header, nothing of this happens.

export const IDEMPOTENCY_HEADER = "Idempotency-Key";

/** 1 to 255 printable ASCII characters (a UUID, a hash, an order number…). */
const KEY_SHAPE = /^[\x20-\x7e]{1,255}$/;

/** How long a retry waits for the first request with its key to finish, by default. */
export const WAIT_MS = 10_000;

export interface IdempotencyRefusals<E extends Env> {
  /** 400: the header is not 1–255 printable ASCII characters. */
  badKey(c: HonoContext<E>, message: string): Response;
  /** 422: the key was used for another request (another body, path or method). */
  reused(c: HonoContext<E>, message: string): Response;
  /** 409: the first request with the key still runs after the wait. */
  running(c: HonoContext<E>, message: string): Response;
}

export interface IdempotencyOptions<E extends Env> {
  /** The request's domain context (its account and API key), once the key is checked. */
  contextOf(c: HonoContext<E>): Context | null;
  refuse: IdempotencyRefusals<E>;
  /** How long a concurrent retry waits for the first answer before its 409 (default 10 s). */
  waitMs?: number;
}

/** Headers of an answer that belong to it (not to the request that got it): kept for replays. */
const KEPT_HEADERS = ["location"];

function keptHeaders(headers: Headers): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = headers.get(name);
    if (value !== null) kept[name] = value;
  }
  return kept;
}

/** Whether an answer is kept for retries: not a failure of ours (5xx), not "retry later" (429). */
function keeps(status: number): boolean {
  return status < 500 && status !== 429;
}

/** The same bytes with every occurrence of `marker` fed to the hash as one fixed token. */
function updateWithout(hash: Hash, bytes: Buffer, marker: Buffer): void {
  let from = 0;
  for (let at = bytes.indexOf(marker, from); at !== -1; at = bytes.indexOf(marker, from)) {
    hash.update(bytes.subarray(from, at)).update("\0boundary\0");
    from = at + marker.length;
  }
  hash.update(bytes.subarray(from));
}

/**
 * SHA-256 of the method, the path with its query string and the body's bytes. A multipart
 * body's boundary is random per send (a client that builds its form again picks a new one), so
 * it is left out: the same parts are the same request.
 */
async function fingerprintOf(c: HonoContext): Promise<string> {
  const url = new URL(c.req.url);
  const hash = createHash("sha256").update(`${c.req.method} ${url.pathname}${url.search}\n`);
  // hono keeps the bytes read here: the handler's own parsing reads them again.
  const body = Buffer.from(await c.req.arrayBuffer());
  const boundary = /^multipart\/[^;]*;.*\bboundary=(?:"([^"]+)"|([^;\s]+))/i.exec(
    c.req.header("content-type") ?? "",
  );
  const marker = boundary?.[1] ?? boundary?.[2];
  if (marker) updateWithout(hash, body, Buffer.from(marker));
  else hash.update(body);
  return hash.digest("hex");
}

function replay(answer: StoredAnswer): Response {
  const headers: Record<string, string> = { ...answer.headers, "Idempotent-Replayed": "true" };
  if (answer.contentType) headers["Content-Type"] = answer.contentType;
  return new Response(answer.status === 204 ? null : answer.body, {
    status: answer.status,
    headers,
  });
}

export function idempotency<E extends Env>(options: IdempotencyOptions<E>): MiddlewareHandler<E> {
  const { contextOf, refuse, waitMs = WAIT_MS } = options;
  return async (c, next) => {
    if (c.req.method !== "POST") return next();
    const key = c.req.header(IDEMPOTENCY_HEADER);
    if (key === undefined) return next();
    if (!KEY_SHAPE.test(key))
      return refuse.badKey(
        c,
        `${IDEMPOTENCY_HEADER} must be 1 to 255 printable ASCII characters (a UUID is a good one)`,
      );
    const ctx = contextOf(c);
    if (!ctx?.key) return next();

    const fingerprint = await fingerprintOf(c);
    const deadline = Date.now() + waitMs;
    let claim: IdempotencyClaim | null = await claimIdempotencyKey(ctx, key, fingerprint);
    // Another request holds the key: replay its answer, or wait for it (polling with backoff).
    for (let pause = 50; claim?.kind !== "claimed"; pause = Math.min(pause * 1.5, 500)) {
      if (claim === null) {
        // Its request failed on our side and let the key go: this one runs.
        claim = await claimIdempotencyKey(ctx, key, fingerprint);
        continue;
      }
      if (claim.fingerprint !== fingerprint)
        return refuse.reused(
          c,
          `this ${IDEMPOTENCY_HEADER} was used for another request (another body or path): use a new key for a new request`,
        );
      if (claim.answer) return replay(claim.answer);
      if (Date.now() >= deadline)
        return refuse.running(
          c,
          `a request with this ${IDEMPOTENCY_HEADER} is still running: retry later for its answer`,
        );
      await sleep(pause);
      claim = await readIdempotencyKey(ctx, key);
    }

    const { id } = claim;
    let kept = false;
    try {
      await next();
      if (keeps(c.res.status)) {
        await finishIdempotencyKey(ctx, id, {
          status: c.res.status,
          body: await c.res.clone().text(),
          contentType: c.res.headers.get("content-type"),
          headers: keptHeaders(c.res.headers),
        });
        kept = true;
      }
    } finally {
      // A 5xx (or a failure to keep the answer) lets the key go, so that a retry runs again.
      if (!kept)
        await releaseIdempotencyKey(ctx, id).catch((error: unknown) =>
          ctx.log.error({ err: error }, "idempotency key: release failed"),
        );
    }
  };
}
