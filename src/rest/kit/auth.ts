import type { Env, Context as HonoContext, MiddlewareHandler } from "hono";
import type { Account } from "../../db/types.js";
import { authenticate } from "../../domain/accounts/keys.js";
import { grants, type Scope } from "../../domain/accounts/scopes.js";
import type { Context } from "../../domain/context.js";
import { type AppDeps, domainContextOf } from "../../http/deps.js";
import type { Logger } from "../../log.js";

// Key → scope check → domain context, for every dialect. Where the key travels (a header, the
// query string) and how a refusal reads are the dialect's; what a refusal means is decided here.

export type KeyCheck =
  | { ok: true; domain: Context }
  /** No key sent. */
  | { ok: false; refusal: "missing" }
  /** A key that is unknown, revoked, or (with `accountSid`) of another account. */
  | { ok: false; refusal: "unknown" }
  /** A live key without the scope the endpoint needs. */
  | { ok: false; refusal: "lacks_scope"; scope: Scope };

/** The request's logger (with its request id), or the app's. */
export function requestLog(c: HonoContext, deps: AppDeps): Logger {
  return (c.get("log" as never) as Logger | undefined) ?? deps.log;
}

/**
 * Checks `secret` (as the dialect found it; blank is missing) and that it grants `scope`;
 * `belongsTo` refuses a key of another account as unknown, never telling which half was wrong.
 */
export async function checkKey(
  c: HonoContext,
  deps: AppDeps,
  secret: string | null | undefined,
  scope: Scope,
  belongsTo?: (account: Account) => boolean,
): Promise<KeyCheck> {
  const trimmed = secret?.trim() ?? "";
  if (trimmed === "") return { ok: false, refusal: "missing" };
  const found = await authenticate(deps.db, trimmed);
  if (!found || (belongsTo && !belongsTo(found.account))) return { ok: false, refusal: "unknown" };
  if (!grants(found.key.scopes, scope)) return { ok: false, refusal: "lacks_scope", scope };
  return { ok: true, domain: domainContextOf(deps, found, requestLog(c, deps)) };
}

/** How a bearer-key refusal is answered: the dialect's envelope, status and code. */
export type BearerRefuse<E extends Env> = (
  c: HonoContext<E>,
  status: 401 | 403,
  message: string,
  headers?: Record<string, string>,
) => Response;

/**
 * `Authorization: Bearer <key>` with `scope`: 401 (with a challenge of `realm`) for a header that
 * is malformed, missing or carries no live key, 403 for a key without the scope. On success the
 * request's domain context is in `domain`.
 */
export function bearerAuth<E extends Env & { Variables: { domain: Context } }>(
  deps: AppDeps,
  scope: Scope,
  realm: string,
  refuse: BearerRefuse<E>,
): MiddlewareHandler<E> {
  const challenge = { "WWW-Authenticate": `Bearer realm="${realm}"` };
  const send = "send Authorization: Bearer <api_key>";
  return async (c, next) => {
    const header = c.req.header("authorization")?.trim() ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (header !== "" && !match)
      return refuse(c, 401, `malformed Authorization header: ${send}`, challenge);
    const checked = await checkKey(c, deps, match?.[1], scope);
    if (checked.ok) {
      c.set("domain" as never, checked.domain as never);
      await next();
      return;
    }
    switch (checked.refusal) {
      case "missing":
        return refuse(c, 401, `missing API key: ${send}`, challenge);
      case "unknown":
        return refuse(c, 401, "invalid API key: unknown or revoked", challenge);
      case "lacks_scope":
        return refuse(c, 403, `this API key lacks the ${checked.scope} scope`);
    }
  };
}
