import type { MiddlewareHandler } from "hono";
import type { Scope } from "../../domain/accounts/scopes.js";
import type { Context } from "../../domain/context.js";
import type { AppDeps } from "../../http/deps.js";
import type { Logger } from "../../log.js";
import { bearerAuth } from "../kit/auth.js";
import { botbatError } from "./errors.js";

// `Authorization: Bearer <key>` on every /v1 endpoint: 401 `unauthorized` without a valid key,
// 403 `forbidden` when the key lacks the endpoint's scope (the kit's bearer check).

export type BotbatEnv = {
  Variables: { domain: Context; log: Logger; requestId: string };
};

export function botbatAuth(deps: AppDeps, scope: Scope): MiddlewareHandler<BotbatEnv> {
  return bearerAuth<BotbatEnv>(deps, scope, "botbat", (c, status, message, headers) =>
    botbatError(c, status, status === 401 ? "unauthorized" : "forbidden", message, { headers }),
  );
}
