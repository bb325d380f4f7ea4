import type { MiddlewareHandler } from "hono";
import type { AppDeps } from "../../http/deps.js";
import type { BotbatEnv } from "./auth.js";

// Per-endpoint rate limits per key (filled in by the platform work: rate-limiter-flexible's
// Postgres store, X-RateLimit-* on every answer, 429 with Retry-After).

export interface Limit {
  /** Requests allowed per window. */
  points: number;
  /** The window, in seconds. */
  seconds: number;
}

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
} as const satisfies Record<string, Limit>;

export type LimitName = keyof typeof DEFAULT_LIMITS;

/** Counts the request against the key's limit for `name`. */
export function rateLimited(_deps: AppDeps, _name: LimitName): MiddlewareHandler<BotbatEnv> {
  return async (_c, next) => {
    await next();
  };
}
