import type { MiddlewareHandler } from "hono";
import { authenticate } from "../../domain/accounts/keys.js";
import { grants, type Scope } from "../../domain/accounts/scopes.js";
import type { Context } from "../../domain/context.js";
import type { AppDeps } from "../../http/deps.js";
import type { Logger } from "../../log.js";
import { botampError } from "./errors.js";

// `Authorization: Bearer <api_key>`; anything else is 401, as the document says. A key is an
// account owner's key there; here a key may hold fewer scopes, and one without the scope a route
// needs is 403.

export type BotampEnv = { Variables: { domain: Context; log: Logger } };

const CHALLENGE = { "WWW-Authenticate": 'Bearer realm="botamp"' };

export function botampAuth(deps: AppDeps, scope: Scope): MiddlewareHandler<BotampEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization")?.trim() ?? "";
    if (header === "") {
      return botampError(
        c,
        401,
        "unauthorized",
        "missing API key: send Authorization: Bearer <api_key>",
        {
          headers: CHALLENGE,
        },
      );
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const found = match ? await authenticate(deps.db, match[1]) : null;
    if (!found) {
      return botampError(
        c,
        401,
        "unauthorized",
        match
          ? "invalid API key: unknown or revoked"
          : "malformed Authorization header: send Authorization: Bearer <api_key>",
        { headers: CHALLENGE },
      );
    }
    if (!grants(found.key.scopes, scope)) {
      return botampError(c, 403, "forbidden", `this API key lacks the ${scope} scope`);
    }
    const log = c.get("log") ?? deps.log;
    c.set("domain", { db: deps.db, jobs: deps.jobs, log, account: found.account, key: found.key });
    await next();
  };
}
