import type { Context, Env, MiddlewareHandler } from "hono";
import type pg from "pg";
import { RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";

// Per-key, per-endpoint rate limits shared by every process: rate-limiter-flexible's Postgres
// store on the `rate_limits` table (migration 0008 made it in the library's own shape). A
// limiter is made once per limit when the routes are built, never per request; a request costs
// one upsert, and a key already refused is refused from memory until its window ends (no
// statement at all). The dialect supplies the names, the figures and its refusal's envelope.

/** A limit: this many requests per window of this many seconds, per key. */
export interface Limit {
  points: number;
  seconds: number;
}

/** Counters of one dialect's limits, by name, over one pool. */
export interface RateLimiters<N extends string> {
  /** The limit in force for `name` (the dialect's default or its configured figure). */
  limitOf(name: N): Limit;
  limiterOf(name: N): RateLimiterPostgres;
}

/**
 * Limiters for a table of limits; `prefix` (the dialect) keeps its rows apart from another
 * dialect's in the shared table: a row's key is `<prefix>.<name>:<key id>`.
 */
export function createRateLimiters<N extends string>(
  pool: pg.Pool,
  prefix: string,
  limits: Readonly<Record<N, Limit>>,
): RateLimiters<N> {
  const limiters = new Map<N, RateLimiterPostgres>();
  let sweeping = false;
  return {
    limitOf: (name) => limits[name],
    limiterOf(name) {
      let limiter = limiters.get(name);
      if (!limiter) {
        const { points, seconds } = limits[name];
        limiter = new RateLimiterPostgres({
          storeClient: pool,
          storeType: "pool",
          tableName: "rate_limits",
          tableCreated: true,
          keyPrefix: `${prefix}.${name}`,
          points,
          duration: seconds,
          // Once refused, a key is refused from this process's memory until its window ends.
          inMemoryBlockOnConsumed: points + 1,
          // Every limiter of the table would delete the table's expired rows every 5 minutes;
          // one of them does it for all (an unref'd timer of the library's).
          clearExpiredByTimeout: !sweeping,
        } as ConstructorParameters<typeof RateLimiterPostgres>[0]);
        sweeping = true;
        limiters.set(name, limiter);
      }
      return limiter;
    },
  };
}

/** The three X-RateLimit headers of an answer; Reset is a Unix time in seconds, as GitHub's. */
export function rateLimitHeaders(limit: Limit, res: RateLimiterRes): Record<string, string> {
  const resetMs = Date.now() + Math.max(res.msBeforeNext, 0);
  return {
    "X-RateLimit-Limit": String(limit.points),
    "X-RateLimit-Remaining": String(Math.max(res.remainingPoints, 0)),
    "X-RateLimit-Reset": String(Math.ceil(resetMs / 1000)),
  };
}

/** Whole seconds until the window ends: at least 1, so that a client never retries at once. */
export function retryAfterSeconds(res: RateLimiterRes): number {
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

/** How a dialect refuses a request over its limit (429, Retry-After and `headers` included). */
export type RateLimitRefuse<E extends Env> = (
  c: Context<E>,
  retryAfter: number,
  headers: Record<string, string>,
) => Response;

export interface RateLimitOptions<E extends Env, N extends string> {
  limiters: RateLimiters<N>;
  name: N;
  /** Whose counter the request counts on (the API key's id); null: not counted. */
  keyOf: (c: Context<E>) => string | null | Promise<string | null>;
  refuse: RateLimitRefuse<E>;
}

/**
 * Counts the request against its key's limit: over it, the dialect's 429 with Retry-After and
 * nothing runs; under it, the handler runs and its answer (whatever it is) carries the headers.
 */
export function rateLimit<E extends Env, N extends string>(
  options: RateLimitOptions<E, N>,
): MiddlewareHandler<E> {
  const { limiters, name, keyOf, refuse } = options;
  const limiter = limiters.limiterOf(name);
  const limit = limiters.limitOf(name);
  return async (c, next) => {
    const key = await keyOf(c);
    if (key === null) return next();
    let res: RateLimiterRes;
    try {
      res = await limiter.consume(key);
    } catch (error) {
      // The library rejects with its result when the key is over the limit, and with the store's
      // error when Postgres fails: that one is the app's 500.
      if (!(error instanceof RateLimiterRes)) throw error;
      const retryAfter = retryAfterSeconds(error);
      return refuse(c, retryAfter, {
        ...rateLimitHeaders(limit, error),
        "Retry-After": String(retryAfter),
      });
    }
    await next();
    for (const [header, value] of Object.entries(rateLimitHeaders(limit, res)))
      c.header(header, value);
  };
}

/**
 * A table of limits as an operator writes it: `name=points/seconds` separated by commas
 * (`contacts.search=120/60,contacts.import=5/60`). Each problem is one line of the error.
 */
export function parseLimitTable(
  text: string,
  known: readonly string[],
): { limits: Record<string, Limit>; problems: string[] } {
  const limits: Record<string, Limit> = {};
  const problems: string[] = [];
  for (const entry of text.split(",")) {
    const item = entry.trim();
    if (item === "") continue;
    const match = /^([\w.-]+)\s*=\s*(\d{1,9})\s*\/\s*(\d{1,9})$/.exec(item);
    if (!match) {
      problems.push(`"${item}" is not name=points/seconds (e.g. contacts.search=120/60)`);
      continue;
    }
    const [, name, points, seconds] = match;
    if (!known.includes(name)) {
      problems.push(`"${name}" is not a limit (known: ${known.join(", ")})`);
    } else if (Number(points) < 1 || Number(seconds) < 1) {
      problems.push(`"${item}": points and seconds must be at least 1`);
    } else if (name in limits) {
      problems.push(`"${name}" is given twice`);
    } else {
      limits[name] = { points: Number(points), seconds: Number(seconds) };
    }
  }
  return { limits, problems };
}
