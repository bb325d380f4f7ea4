import type pg from "pg";
import type { DB } from "../db/database.js";
import type { Account } from "../db/types.js";
import type { Authenticated } from "../domain/accounts/keys.js";
import type { Context, Jobs } from "../domain/context.js";
import type { Logger } from "../log.js";
import type { RealtimeChanges } from "../realtime/listener.js";
import type { LimitOverrides } from "../rest/botbat/rate-limits.js";
import type { WhatsAppWebhookSettings } from "../rest/providers/whatsapp.js";

/** What the HTTP app and every surface it mounts are built from. */
export interface AppDeps {
  db: DB;
  /** The pool under `db`: the rate limits' store speaks to it directly (one statement each). */
  pool: pg.Pool;
  jobs: Jobs;
  log: Logger;
  /** Base of links in mails (PUBLIC_URL); without it, the origin of the request that asks. */
  publicUrl?: string;
  /** Rows of botbat's rate-limit table replaced (BOTBAT_RATE_LIMITS; tests set small ones). */
  botbatLimits?: LimitOverrides;
  /** The process's LISTEN for changes (GraphQL subscriptions); absent, one is made from `pool`. */
  realtime?: RealtimeChanges;
  /** WhatsApp's webhook: its app secret and verify token (absent: every callback refused). */
  whatsapp?: WhatsAppWebhookSettings;
}

/** The domain context of a request made with `found`'s key: built here for every surface. */
export function domainContextOf(
  deps: Pick<AppDeps, "db" | "jobs" | "log">,
  found: Authenticated,
  log: Logger,
): Context {
  return { db: deps.db, jobs: deps.jobs, log, account: found.account, key: found.key };
}

/**
 * The domain context of a request that proves its account without a key (a confirmation link's
 * id names the account): no key, so nothing scoped to one.
 */
export function accountContextOf(
  deps: Pick<AppDeps, "db" | "jobs" | "log">,
  account: Account,
  log: Logger,
): Context {
  return { db: deps.db, jobs: deps.jobs, log, account, key: null };
}
