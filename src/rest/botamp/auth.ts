import type { MiddlewareHandler } from "hono";
import type { Scope } from "../../domain/accounts/scopes.js";
import type { Context } from "../../domain/context.js";
import type { AppDeps } from "../../http/deps.js";
import type { Logger } from "../../log.js";
import { checkKey } from "../kit/auth.js";
import { botampError } from "./errors.js";

// `Authorization: Bearer <api_key>`; anything else is 401, as the document says. A key is an
// account owner's key there; here a key may hold fewer scopes, and one without the scope a route
// needs is 403. The key check and the domain context are the kit's; where the key travels and
// the wording of the refusals are botamp's.

export type BotampEnv = { Variables: { domain: Context; log: Logger } };

const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="botamp"' };
const SEND = "send Authorization: Bearer <api_key>";

export function botampAuth(deps: AppDeps, scope: Scope): MiddlewareHandler<BotampEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization")?.trim() ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (header !== "" && !match) {
      return botampError(c, 401, "unauthorized", `malformed Authorization header: ${SEND}`, {
        headers: CHALLENGE,
      });
    }
    const checked = await checkKey(c, deps, match?.[1], scope);
    if (checked.ok) {
      c.set("domain", checked.domain);
      await next();
      return;
    }
    switch (checked.refusal) {
      case "missing":
        return botampError(c, 401, "unauthorized", `missing API key: ${SEND}`, {
          headers: CHALLENGE,
        });
      case "unknown":
        return botampError(c, 401, "unauthorized", "invalid API key: unknown or revoked", {
          headers: CHALLENGE,
        });
      case "lacks_scope":
        return botampError(c, 403, "forbidden", `this API key lacks the ${checked.scope} scope`);
    }
  };
}
