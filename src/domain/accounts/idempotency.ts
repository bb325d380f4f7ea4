import { sql } from "kysely";
import type { StoredHeaders } from "../../db/types.js";
import type { Context } from "../context.js";

// The first answer to a request sent with an idempotency key, kept 24 hours for its retries.
// A key belongs to the API key that sent it (a sandbox key and a live key of one account never
// answer each other's retries). `status_code` is null while the first request runs.

/** How long a key answers its retries; after that it is a new key. */
export const KEY_LIFETIME_HOURS = 24;
/**
 * A key still running after this long was left by a process that died mid-request (no request
 * runs for minutes: bodies are read before the claim, handlers are bounded): it is taken over.
 */
export const ABANDONED_AFTER_MINUTES = 5;

export interface StoredAnswer {
  status: number;
  body: string;
  contentType: string | null;
  /** Other headers the replay carries too (Location). */
  headers: StoredHeaders;
}

export type IdempotencyClaim =
  /** This request runs; `finishIdempotent` or `releaseIdempotent` ends the claim. */
  | { kind: "claimed"; id: string }
  /** Another request (earlier or running) holds the key. */
  | {
      kind: "held";
      fingerprint: string;
      /** null while the other request runs. */
      answer: StoredAnswer | null;
    };

interface Owner {
  accountId: string;
  apiKeyId: string;
}

function ownerOf(ctx: Context): Owner {
  if (!ctx.key) throw new Error("an idempotency key needs an API key");
  return { accountId: ctx.account.id, apiKeyId: ctx.key.id };
}

/**
 * Claims `key` for a request whose fingerprint is `fingerprint`, in one statement: a new key is
 * inserted; one that expired (or was abandoned) is taken over in place; a live one is left as
 * it is and read back.
 */
export async function claimIdempotencyKey(
  ctx: Context,
  key: string,
  fingerprint: string,
): Promise<IdempotencyClaim> {
  const { accountId, apiKeyId } = ownerOf(ctx);
  sweepNow(ctx, accountId);
  // A held key read back may vanish under us (its request failed with a 5xx and let it go):
  // then it is claimed again.
  for (let attempt = 0; attempt < 5; attempt++) {
    const claimed = await ctx.db
      .insertInto("idempotency_keys")
      .values({ account_id: accountId, api_key_id: apiKeyId, key, fingerprint })
      .onConflict((conflict) =>
        conflict
          .columns(["account_id", "api_key_id", "key"])
          .doUpdateSet({
            fingerprint,
            status_code: null,
            response_body: null,
            response_type: null,
            response_headers: null,
            created_at: sql<Date>`now()`,
            finished_at: null,
          })
          .where((eb) =>
            eb.or([
              eb(
                "idempotency_keys.created_at",
                "<",
                sql<Date>`now() - make_interval(hours => ${KEY_LIFETIME_HOURS})`,
              ),
              eb.and([
                eb("idempotency_keys.status_code", "is", null),
                eb(
                  "idempotency_keys.created_at",
                  "<",
                  sql<Date>`now() - make_interval(mins => ${ABANDONED_AFTER_MINUTES})`,
                ),
              ]),
            ]),
          ),
      )
      .returning("id")
      .executeTakeFirst();
    if (claimed) return { kind: "claimed", id: claimed.id };
    const held = await readIdempotencyKey(ctx, key);
    if (held) return held;
  }
  throw new Error(`idempotency key ${key} keeps vanishing`);
}

/** The key as it is now (held by a request, finished or running); null when it is gone. */
export async function readIdempotencyKey(
  ctx: Context,
  key: string,
): Promise<Extract<IdempotencyClaim, { kind: "held" }> | null> {
  const { accountId, apiKeyId } = ownerOf(ctx);
  const row = await ctx.db
    .selectFrom("idempotency_keys")
    .select(["fingerprint", "status_code", "response_body", "response_type", "response_headers"])
    .where("account_id", "=", accountId)
    .where("api_key_id", "=", apiKeyId)
    .where("key", "=", key)
    .executeTakeFirst();
  if (!row) return null;
  return {
    kind: "held",
    fingerprint: row.fingerprint,
    answer:
      row.status_code === null
        ? null
        : {
            status: row.status_code,
            body: row.response_body ?? "",
            contentType: row.response_type,
            headers: row.response_headers ?? {},
          },
  };
}

/** Keeps the claimed request's answer for its retries. */
export async function finishIdempotencyKey(
  ctx: Context,
  id: string,
  answer: StoredAnswer,
): Promise<void> {
  await ctx.db
    .updateTable("idempotency_keys")
    .set({
      status_code: answer.status,
      response_body: answer.body,
      response_type: answer.contentType,
      response_headers: answer.headers,
      finished_at: sql<Date>`now()`,
    })
    .where("account_id", "=", ctx.account.id)
    .where("id", "=", id)
    .execute();
}

/** Lets the key go (its request failed on our side): a retry runs as if it were the first. */
export async function releaseIdempotencyKey(ctx: Context, id: string): Promise<void> {
  await ctx.db
    .deleteFrom("idempotency_keys")
    .where("account_id", "=", ctx.account.id)
    .where("id", "=", id)
    .where("status_code", "is", null)
    .execute();
}

// Expired keys are replaced in place when reused; the others are deleted by a sweep of the
// account's keys, at most once per SWEEP_EVERY_MS per account and process, off the request's
// path (its failure is only logged: the next sweep does it).
const SWEEP_EVERY_MS = 10 * 60_000;
const lastSweep = new Map<string, number>();

function sweepNow(ctx: Context, accountId: string): void {
  const now = Date.now();
  if (now - (lastSweep.get(accountId) ?? 0) < SWEEP_EVERY_MS) return;
  if (lastSweep.size > 10_000) lastSweep.clear();
  lastSweep.set(accountId, now);
  void deleteExpiredIdempotencyKeys(ctx, accountId).catch((error: unknown) =>
    ctx.log.warn({ err: error }, "expired idempotency keys: sweep failed"),
  );
}

/** Deletes the account's expired keys; returns how many. */
export async function deleteExpiredIdempotencyKeys(
  ctx: Pick<Context, "db">,
  accountId: string,
): Promise<number> {
  const result = await ctx.db
    .deleteFrom("idempotency_keys")
    .where("account_id", "=", accountId)
    .where("created_at", "<", sql<Date>`now() - make_interval(hours => ${KEY_LIFETIME_HOURS})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
