import type { Context as HonoContext } from "hono";
import { authenticate } from "../../domain/accounts/keys.js";
import { grants, type Scope } from "../../domain/accounts/scopes.js";
import type { Context } from "../../domain/context.js";
import type { AppDeps } from "../../http/deps.js";
import type { Logger } from "../../log.js";
import { AudienceError } from "./errors.js";

// The document: "the combination of sid and api-key acts as an authentication mechanism". Both
// are one credential, so every way it can fail (no key, a malformed, unknown or revoked key, an
// unknown sid, a key of another account than the sid's) is the same 401 and the same words:
// the answer never tells which half was wrong, nor whether a sid exists. A valid pair whose key
// lacks the endpoint's scope is a 403.

const REFUSED = "Invalid sid or api-key.";

export function requestLog(c: HonoContext, deps: AppDeps): Logger {
  return (c.get("log" as never) as Logger | undefined) ?? deps.log;
}

/** The domain context of the account the path's sid and the `api-key` header both name. */
export async function authorize(c: HonoContext, deps: AppDeps, scope: Scope): Promise<Context> {
  const secret = c.req.header("api-key")?.trim();
  if (!secret) {
    throw new AudienceError(401, "UNAUTHORIZED", `${REFUSED} Send the key in the api-key header.`);
  }
  const found = await authenticate(deps.db, secret);
  const sid = c.req.param("sid")?.trim().toLowerCase();
  if (!found || found.account.sid !== sid) throw new AudienceError(401, "UNAUTHORIZED", REFUSED);
  if (!grants(found.key.scopes, scope)) {
    throw new AudienceError(403, "FORBIDDEN", `This api-key lacks the ${scope} scope.`);
  }
  return {
    db: deps.db,
    jobs: deps.jobs,
    log: requestLog(c, deps),
    account: found.account,
    key: found.key,
  };
}
