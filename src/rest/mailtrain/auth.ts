import type { MiddlewareHandler } from "hono";
import type { Scope } from "../../domain/accounts/scopes.js";
import type { Context } from "../../domain/context.js";
import type { AppDeps } from "../../http/deps.js";
import type { Logger } from "../../log.js";
import { checkKey, type KeyCheck } from "../kit/auth.js";
import { envelope } from "./errors.js";

// Mailtrain v1 reads the key from `?access_token=` only (40 hex, any case). Keys issued with the
// label "mailtrain" rotate: a new one revokes the last (Mailtrain's "Reset Access Token").

export const MAILTRAIN_KEY_LABEL = "mailtrain";

export type MailtrainEnv = { Variables: { domain: Context; log: Logger; requestId: string } };

/** Mailtrain's words for each refusal (all 403). */
function refusalText(check: Exclude<KeyCheck, { ok: true }>): string {
  switch (check.refusal) {
    case "missing":
      return "Missing access_token";
    case "unknown":
      return "Invalid or expired access_token";
    case "lacks_scope":
      return `This access_token lacks the ${check.scope} scope`;
  }
}

/** Refuses without a live key holding `scope`; otherwise sets the request's domain context. */
export function accessToken(deps: AppDeps, scope: Scope): MiddlewareHandler<MailtrainEnv> {
  return async (c, next) => {
    const check = await checkKey(c, deps, c.req.query("access_token"), scope);
    if (!check.ok) return envelope(c, 403, refusalText(check));
    c.set("domain", check.domain);
    await next();
  };
}
