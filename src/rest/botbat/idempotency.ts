import type { MiddlewareHandler } from "hono";
import type { AppDeps } from "../../http/deps.js";
import type { BotbatEnv } from "./auth.js";

// `Idempotency-Key` on every POST (filled in by the platform work).

export function idempotent(_deps: AppDeps): MiddlewareHandler<BotbatEnv> {
  return async (_c, next) => {
    await next();
  };
}
