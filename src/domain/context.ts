import type { Transaction } from "kysely";
import type { DB } from "../db/database.js";
import type { Account, Database } from "../db/types.js";
import type { Logger } from "../log.js";
import type { Scope } from "./accounts/scopes.js";

/** Anything that runs SQL: the pool-backed instance or a transaction. */
export type Queryable = DB | Transaction<Database>;

export interface Jobs {
  /** Adds a job with the given executor, so it commits (or not) with the change that caused it. */
  add(
    db: Queryable,
    task: string,
    payload: Record<string, unknown>,
    options?: { maxAttempts?: number; jobKey?: string; runAt?: Date },
  ): Promise<void>;
  /** Adds one job per payload in one statement, with the given executor. */
  addMany(
    db: Queryable,
    task: string,
    payloads: readonly Record<string, unknown>[],
    options?: { maxAttempts?: number },
  ): Promise<void>;
}

export interface ApiKeyIdentity {
  id: string;
  publicId: string;
  scopes: Scope[];
  /** A sandbox key: its writes are flagged sandbox and nothing it sends leaves the system. */
  sandbox: boolean;
}

/** Whether what this context creates is sandbox (a sandbox key's); false without a key. */
export function isSandbox(ctx: { key: ApiKeyIdentity | null }): boolean {
  return ctx.key?.sandbox ?? false;
}

/** What every domain function receives: who asks, and the means to answer. */
export interface Context {
  db: DB;
  account: Account;
  key: ApiKeyIdentity | null;
  jobs: Jobs;
  log: Logger;
}
