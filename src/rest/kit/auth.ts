import type { Context as HonoContext } from "hono";
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
