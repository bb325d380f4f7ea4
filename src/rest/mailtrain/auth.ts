import type { MiddlewareHandler } from "hono";
import { authenticate } from "../../domain/accounts/keys.js";
import { grants, type Scope } from "../../domain/accounts/scopes.js";
import type { Context } from "../../domain/context.js";
import type { AppDeps } from "../../http/deps.js";
import type { Logger } from "../../log.js";
import { envelope } from "./errors.js";

// Mailtrain v1 reads the key from `?access_token=` only (40 hex, any case). Keys issued with the
// label "mailtrain" rotate: a new one revokes the last (Mailtrain's "Reset Access Token").

export const MAILTRAIN_KEY_LABEL = "mailtrain";

export type MailtrainEnv = { Variables: { domain: Context; log: Logger; requestId: string } };

/** Refuses without a live key holding `scope`; otherwise sets the request's domain context. */
export function accessToken(deps: AppDeps, scope: Scope): MiddlewareHandler<MailtrainEnv> {
  return async (c, next) => {
    const token = c.req.query("access_token")?.trim() ?? "";
    if (!token) return envelope(c, 403, "Missing access_token");
    const identity = await authenticate(deps.db, token);
    if (!identity) return envelope(c, 403, "Invalid or expired access_token");
    if (!grants(identity.key.scopes, scope))
      return envelope(c, 403, `This access_token lacks the ${scope} scope`);
    c.set("domain", {
      db: deps.db,
      jobs: deps.jobs,
      log: c.get("log") ?? deps.log,
      account: identity.account,
      key: identity.key,
    });
    await next();
  };
}
