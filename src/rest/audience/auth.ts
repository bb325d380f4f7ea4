import type { Context as HonoContext } from "hono";
import type { Scope } from "../../domain/accounts/scopes.js";
import type { Context } from "../../domain/context.js";
import type { AppDeps } from "../../http/deps.js";
import { checkKey } from "../kit/auth.js";
import { AudienceError } from "./errors.js";

// The document: "the combination of sid and api-key acts as an authentication mechanism". Both
// are one credential, so every way it can fail (no key, a malformed, unknown or revoked key, an
// unknown sid, a key of another account than the sid's) is the same 401 and the same words:
// the answer never tells which half was wrong, nor whether a sid exists. A valid pair whose key
// lacks the endpoint's scope is a 403. The key check itself is the kit's (src/rest/kit/auth.ts);
// what is the dialect's: the key in the `api-key` header, the sid in the path, these words.

const REFUSED = "Invalid sid or api-key.";

/** The domain context of the account the path's sid and the `api-key` header both name. */
export async function authorize(c: HonoContext, deps: AppDeps, scope: Scope): Promise<Context> {
  const sid = c.req.param("sid")?.trim().toLowerCase();
  const checked = await checkKey(
    c,
    deps,
    c.req.header("api-key"),
    scope,
    (account) => account.sid === sid,
  );
  if (checked.ok) return checked.domain;
  switch (checked.refusal) {
    case "missing":
      throw new AudienceError(
        401,
        "UNAUTHORIZED",
        `${REFUSED} Send the key in the api-key header.`,
      );
    case "unknown":
      throw new AudienceError(401, "UNAUTHORIZED", REFUSED);
    case "lacks_scope":
      throw new AudienceError(403, "FORBIDDEN", `This api-key lacks the ${checked.scope} scope.`);
  }
}
