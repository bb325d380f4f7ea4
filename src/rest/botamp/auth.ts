import type { MiddlewareHandler } from "hono";
import type { Scope } from "../../domain/accounts/scopes.js";
import type { Context } from "../../domain/context.js";
import type { AppDeps } from "../../http/deps.js";
import type { Logger } from "../../log.js";
import { bearerAuth } from "../kit/auth.js";
import { botampError } from "./errors.js";

// `Authorization: Bearer <api_key>`; anything else is 401, as the document says. A key is an
// account owner's key there; here a key may hold fewer scopes, and one without the scope a route
// needs is 403. The bearer check is the kit's; the wording of the envelope is botamp's.

export type BotampEnv = { Variables: { domain: Context; log: Logger } };

export function botampAuth(deps: AppDeps, scope: Scope): MiddlewareHandler<BotampEnv> {
  return bearerAuth<BotampEnv>(deps, scope, "botamp", (c, status, message, headers) =>
    botampError(c, status, status === 401 ? "unauthorized" : "forbidden", message, { headers }),
  );
}
