import { sql } from "kysely";
import type { Account, ListRow } from "../../db/types.js";
import type { MailMessage } from "../../mail/mailer.js";
import { isBlocked } from "../blocklist/blocklist.js";
import { type Context, isSandbox, type Queryable } from "../context.js";
import { Conflict, type Issue, Validation } from "../errors.js";
import { loadFields } from "../fields/read.js";
import { queueMail } from "../mail.js";
import {
  checkRequest,
  type SubscribePolicy,
  type SubscribeRequest,
  subscribeInTransaction,
} from "./subscribe.js";

// Double opt-in: a subscribe request waits as a pending confirmation, a mail with a link goes out
// (never to a blocklisted address), and following the link subscribes, the subscription taking
// the confirmation's id. The mail's words and the page the link opens are the surface's.

/** A repeated request mails its link again only after this long. */
const REMAIL_AFTER = "1 minute";

/** How a request reads its values, and the mail that carries a confirmation's id. */
export interface ConfirmationRequestOptions {
  read: SubscribePolicy["read"];
  mail: (confirmationId: string) => Pick<MailMessage, "subject" | "text">;
}

/**
 * Records the request and queues its mail in one transaction; answers the confirmation id.
 * The request is checked now, so a bad value fails here rather than at the link. A list and
 * address have one pending confirmation: a repeat takes its place (the latest request, a fresh
 * expiry, the same id and link) and mails again only if the last mail is a minute old.
 */
export async function requestConfirmation(
  ctx: Context,
  list: ListRow,
  request: SubscribeRequest,
  options: ConfirmationRequestOptions,
): Promise<string> {
  checkRequest(await loadFields(ctx), list, request, options.read);
  return ctx.db.transaction().execute(async (trx) => {
    // The upsert locks the pending row until commit: concurrent repeats queue behind it, and
    // each sees the mailed_at of the one before.
    const { id, public_id } = await trx
      .insertInto("subscription_confirmations")
      .values({
        account_id: ctx.account.id,
        list_id: list.id,
        email: request.email,
        request: JSON.stringify(request),
      })
      .onConflict((conflict) =>
        conflict
          .expression(sql`account_id, list_id, lower(email)`)
          .where("confirmed_at", "is", null)
          .doUpdateSet({
            request: (eb) => eb.ref("excluded.request"),
            expires_at: sql`now() + interval '30 days'`,
          }),
      )
      .returning(["id", "public_id"])
      .executeTakeFirstOrThrow();
    const due = await trx
      .updateTable("subscription_confirmations")
      .set({ mailed_at: sql`now()` })
      .where("id", "=", id)
      .where((eb) =>
        eb.or([
          eb("mailed_at", "is", null),
          eb("mailed_at", "<=", sql<Date>`now() - ${REMAIL_AFTER}::interval`),
        ]),
      )
      .returning("id")
      .executeTakeFirst();
    if (isSandbox(ctx)) {
      // Nothing a sandbox key causes reaches a real inbox: the confirmation waits unmailed.
      ctx.log.info({ confirmation: public_id }, "sandbox key: confirmation mail not sent");
    } else if (due && !(await isBlocked(ctx, trx, request.email)))
      await queueMail(trx, ctx.jobs, { to: request.email, ...options.mail(public_id) });
    return public_id;
  });
}

export type Confirmation =
  | { outcome: "confirmed"; email: string; list: string }
  | { outcome: "registered"; email: string; list: string }
  | { outcome: "unknown" }
  | { outcome: "expired" }
  /** The stored request no longer fits the list's fields. */
  | { outcome: "invalid"; issues: Issue[] };

/** How a followed link subscribes: the context of the confirmation's account, and the policy. */
export interface ConfirmOptions {
  /** The domain context of the account the confirmation belongs to (no key: the id is the proof). */
  contextOf: (account: Account) => Context;
  read: SubscribePolicy["read"];
  source: string;
  optInIp: string | null;
}

const CONFIRMATION_ID = /^[0-9a-f]{32}$/;

/**
 * Follows a confirmation link: the confirmation id alone says which account. Confirming
 * re-subscribes a lapsed address (it asked to); one the list has as subscribed is `registered`.
 */
export async function confirmSubscription(
  db: Context["db"],
  confirmationId: string,
  options: ConfirmOptions,
): Promise<Confirmation> {
  const id = confirmationId.trim().toLowerCase();
  if (!CONFIRMATION_ID.test(id)) return { outcome: "unknown" };
  try {
    return await db.transaction().execute(async (trx) => {
      // Locked: a link followed twice at once subscribes once.
      const pending = await trx
        .selectFrom("subscription_confirmations")
        .selectAll()
        .where("public_id", "=", id)
        .forUpdate()
        .executeTakeFirst();
      if (!pending) return { outcome: "unknown" } as const;
      const account = await trx
        .selectFrom("accounts")
        .selectAll()
        .where("id", "=", pending.account_id)
        .executeTakeFirstOrThrow();
      const list = await trx
        .selectFrom("lists")
        .selectAll()
        .where("account_id", "=", account.id)
        .where("id", "=", pending.list_id)
        .executeTakeFirstOrThrow();
      const found = { email: pending.email, list: list.name };
      if (pending.confirmed_at !== null) return { outcome: "registered", ...found } as const;
      if (pending.expires_at.getTime() < Date.now()) return { outcome: "expired" } as const;
      const request = pending.request as unknown as SubscribeRequest;
      await subscribeInTransaction(options.contextOf(account), trx, list, request, {
        lapsed: "resubscribe",
        subscribed: "refuse",
        source: options.source,
        read: options.read,
        publicId: pending.public_id,
        optInIp: options.optInIp,
      });
      await trx
        .updateTable("subscription_confirmations")
        .set({ confirmed_at: new Date() })
        .where("id", "=", pending.id)
        .execute();
      return { outcome: "confirmed", ...found } as const;
    });
  } catch (error) {
    if (error instanceof Conflict) return registered(db, id);
    if (error instanceof Validation) return { outcome: "invalid", issues: error.issues };
    throw error;
  }
}

async function registered(db: Queryable, id: string): Promise<Confirmation> {
  const pending = await db
    .selectFrom("subscription_confirmations as c")
    .innerJoin("lists", "lists.id", "c.list_id")
    .select(["c.email", "lists.name"])
    .where("c.public_id", "=", id)
    .executeTakeFirstOrThrow();
  return { outcome: "registered", email: pending.email, list: pending.name };
}
