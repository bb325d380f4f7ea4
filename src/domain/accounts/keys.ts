import { createHash, randomBytes } from "node:crypto";
import type { Transaction } from "kysely";
import type { DB } from "../../db/database.js";
import type { Account, ApiKeyRow, Database } from "../../db/types.js";
import { MAX_SHORT_TEXT, tooLong } from "../bounds.js";
import type { ApiKeyIdentity } from "../context.js";
import { NotFound, Validation } from "../errors.js";
import { ALL_SCOPES, SCOPE_ALIASES, type Scope, scopeNamed } from "./scopes.js";

/** 40 lowercase hex characters: the one shape all four legacy dialects accept. */
const KEY_SHAPE = /^[0-9a-f]{40}$/;

export function digestOf(secret: string): Buffer {
  return createHash("sha256").update(secret.toLowerCase()).digest();
}

export interface IssuedKey {
  key: ApiKeyRow;
  /** The secret, shown once: only its digest is stored. */
  secret: string;
}

export function parseScopes(values: readonly string[] | undefined): Scope[] {
  if (values === undefined || values.length === 0) return [...ALL_SCOPES];
  const unknown = values.filter((value) => scopeNamed(value) === null);
  if (unknown.length > 0) {
    const known = [...ALL_SCOPES, ...Object.keys(SCOPE_ALIASES)];
    throw Validation.of(
      ["scopes"],
      `unknown scope ${unknown.join(", ")}; known: ${known.join(", ")}`,
    );
  }
  return [...new Set(values.map((value) => scopeNamed(value) as Scope))];
}

/**
 * Issues a key. A key issued with a label revokes the account's previous live key with that
 * label in the same transaction (the "generate a new key" or "reset access token" of older APIs).
 */
export async function issueKey(
  db: DB,
  accountId: string,
  options: KeyOptions = {},
): Promise<IssuedKey> {
  const issued = await db.transaction().execute((trx) => issueKeyIn(trx, accountId, options));
  forgetCachedKeys();
  return issued;
}

export interface KeyOptions {
  scopes?: readonly string[];
  label?: string | null;
  /** A sandbox key: what it creates is flagged sandbox, and nothing it sends leaves the system. */
  sandbox?: boolean;
}

/** issueKey in the caller's transaction (an account and its first key commit together). */
export async function issueKeyIn(
  trx: Transaction<Database>,
  accountId: string,
  options: KeyOptions = {},
): Promise<IssuedKey> {
  const scopes = parseScopes(options.scopes);
  const label = options.label?.trim() || null;
  // The label is in a unique index: a long one would fail there, as a 500.
  if (label !== null && label.length > MAX_SHORT_TEXT)
    throw Validation.of(["label"], `label ${tooLong(MAX_SHORT_TEXT)}`);
  const secret = randomBytes(20).toString("hex");
  if (label !== null) {
    await trx
      .updateTable("api_keys")
      .set({ revoked_at: new Date() })
      .where("account_id", "=", accountId)
      .where("label", "=", label)
      .where("revoked_at", "is", null)
      .execute();
  }
  const key = await trx
    .insertInto("api_keys")
    .values({
      account_id: accountId,
      digest: digestOf(secret),
      scopes,
      label,
      sandbox: options.sandbox ?? false,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { key, secret };
}

export function listKeys(db: DB, accountId: string): Promise<ApiKeyRow[]> {
  return db
    .selectFrom("api_keys")
    .selectAll()
    .where("account_id", "=", accountId)
    .orderBy("id")
    .execute();
}

export async function revokeKey(db: DB, accountId: string, publicId: string): Promise<ApiKeyRow> {
  const key = await db
    .updateTable("api_keys")
    .set({ revoked_at: new Date() })
    .where("account_id", "=", accountId)
    .where("public_id", "=", publicId)
    .returningAll()
    .executeTakeFirst();
  if (!key) throw new NotFound("ApiKey", publicId);
  forgetCachedKeys();
  return key;
}

export interface Authenticated {
  account: Account;
  key: ApiKeyIdentity;
}

/**
 * A short-lived cache of recent look-ups, so a busy client costs no statement per request.
 * Revocation in this process clears it at once; another process sees it within CACHE_MS.
 */
const CACHE_MS = 5_000;
const cache = new Map<string, { at: number; value: Authenticated | null }>();

export function forgetCachedKeys(): void {
  cache.clear();
}

/** Finds the live key with this secret; null for a malformed, unknown or revoked key. */
export async function authenticate(db: DB, secret: string): Promise<Authenticated | null> {
  const normalized = secret.trim().toLowerCase();
  if (!KEY_SHAPE.test(normalized)) return null;
  const cached = cache.get(normalized);
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.value;

  const row = await db
    .updateTable("api_keys")
    .set({ last_used_at: new Date() })
    .from("accounts")
    .whereRef("accounts.id", "=", "api_keys.account_id")
    .where("api_keys.digest", "=", digestOf(normalized))
    .where("api_keys.revoked_at", "is", null)
    .returning([
      "api_keys.id as key_id",
      "api_keys.public_id as key_public_id",
      "api_keys.scopes",
      "api_keys.sandbox",
      "accounts.id",
      "accounts.sid",
      "accounts.name",
      "accounts.owner_email",
      "accounts.created_at",
      "accounts.updated_at",
    ])
    .executeTakeFirst();
  const value: Authenticated | null = row
    ? {
        account: {
          id: row.id,
          sid: row.sid,
          name: row.name,
          owner_email: row.owner_email,
          created_at: row.created_at,
          updated_at: row.updated_at,
        },
        key: {
          id: row.key_id,
          publicId: row.key_public_id,
          scopes: row.scopes as Scope[],
          sandbox: row.sandbox,
        },
      }
    : null;
  if (cache.size > 10_000) cache.clear();
  cache.set(normalized, { at: Date.now(), value });
  return value;
}
