import type { MiddlewareHandler } from "hono";
import { authenticate } from "../../domain/accounts/keys.js";
import type { AppDeps } from "../../http/deps.js";
import { createRateLimiters, type Limit, type RateLimiters, rateLimit } from "../kit/rate-limit.js";
import type { BotbatEnv } from "./auth.js";
import { botbatError } from "./errors.js";

// Per-endpoint rate limits per key (the table is in README.md): the kit's limiter on the shared
// Postgres store, answered in botbat's envelope. BOTBAT_RATE_LIMITS (src/config.ts) or
// AppDeps.botbatLimits replace any row.

export type { Limit } from "../kit/rate-limit.js";

/** Every /v1 endpoint's limit, per key. */
export const DEFAULT_LIMITS = {
  "contacts.list": { points: 600, seconds: 60 },
  "contacts.get": { points: 1200, seconds: 60 },
  "contacts.create": { points: 300, seconds: 60 },
  "contacts.update": { points: 300, seconds: 60 },
  "contacts.delete": { points: 300, seconds: 60 },
  "contacts.search": { points: 300, seconds: 60 },
  "contacts.import": { points: 10, seconds: 60 },
  "imports.get": { points: 600, seconds: 60 },
  "webhooks.list": { points: 300, seconds: 60 },
  "webhooks.get": { points: 600, seconds: 60 },
  "webhooks.create": { points: 60, seconds: 60 },
  "webhooks.update": { points: 60, seconds: 60 },
  "webhooks.delete": { points: 60, seconds: 60 },
  "webhooks.deliveries": { points: 300, seconds: 60 },
  "templates.list": { points: 300, seconds: 60 },
  "templates.get": { points: 600, seconds: 60 },
  "templates.create": { points: 60, seconds: 60 },
  "templates.update": { points: 60, seconds: 60 },
  "templates.delete": { points: 60, seconds: 60 },
  "templates.submit": { points: 30, seconds: 60 },
  "campaigns.list": { points: 300, seconds: 60 },
  "campaigns.get": { points: 600, seconds: 60 },
  "campaigns.create": { points: 60, seconds: 60 },
  "campaigns.update": { points: 60, seconds: 60 },
  "campaigns.delete": { points: 60, seconds: 60 },
  "campaigns.send": { points: 30, seconds: 60 },
  "messages.send": { points: 600, seconds: 60 },
  "messages.get": { points: 1200, seconds: 60 },
  "conversations.list": { points: 300, seconds: 60 },
  "conversations.get": { points: 600, seconds: 60 },
  "conversations.assign": { points: 300, seconds: 60 },
  "conversations.resolve": { points: 300, seconds: 60 },
} as const satisfies Record<string, Limit>;

export type LimitName = keyof typeof DEFAULT_LIMITS;

export const LIMIT_NAMES = Object.keys(DEFAULT_LIMITS) as LimitName[];

/** Replacements for rows of the table, by name (from BOTBAT_RATE_LIMITS, or a test's). */
export type LimitOverrides = Partial<Record<LimitName, Limit>>;

/** One set of counters per app: every route of a limit shares its limiter. */
const limitersOfApp = new WeakMap<AppDeps, RateLimiters<LimitName>>();

function limitersOf(deps: AppDeps): RateLimiters<LimitName> {
  let limiters = limitersOfApp.get(deps);
  if (!limiters) {
    const limits: Record<LimitName, Limit> = { ...DEFAULT_LIMITS, ...deps.botbatLimits };
    limiters = createRateLimiters(deps.pool, "botbat", limits);
    limitersOfApp.set(deps, limiters);
  }
  return limiters;
}

/**
 * The id of the live key a request carries, or null. The limit runs before the scope check, so
 * that a 403 counts and carries the headers too; the look-up is the one the key check makes next
 * (authenticate's cache answers the second, so the pair costs at most one statement).
 */
async function liveKeyId(deps: AppDeps, header: string | undefined): Promise<string | null> {
  const match = /^Bearer\s+(\S+)$/i.exec(header?.trim() ?? "");
  if (!match) return null;
  return (await authenticate(deps.db, match[1]))?.key.id ?? null;
}

/** Counts the request against the key's limit for `name`, before the key's scope is checked. */
export function rateLimited(deps: AppDeps, name: LimitName): MiddlewareHandler<BotbatEnv> {
  return rateLimit<BotbatEnv, LimitName>({
    limiters: limitersOf(deps),
    name,
    keyOf: (c) => liveKeyId(deps, c.req.header("authorization")),
    refuse: (c, retryAfter, headers) =>
      botbatError(
        c,
        429,
        "rate_limited",
        `rate limit of this endpoint reached: retry in ${retryAfter} s`,
        { headers },
      ),
  });
}
