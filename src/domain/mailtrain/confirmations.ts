import { sql } from "kysely";
import type { DB } from "../../db/database.js";
import type { ListRow } from "../../db/types.js";
import type { Logger } from "../../log.js";
import type { Context, Jobs } from "../context.js";
import { Conflict, Validation } from "../errors.js";
import { loadFields } from "../fields/read.js";
import { queueMail } from "../mail.js";
import { isBlocked } from "./blocklist.js";
import { checkRequest, type SubscribeRequest, subscribeInTransaction } from "./subscribe.js";

// Double opt-in (REQUIRE_CONFIRMATION): the request waits as a pending confirmation, a mail
// with a link goes out (never to a blocklisted address), and following the link subscribes,
// the subscription taking the confirmation's id.

/** A repeated request mails its link again only after this long. */
const REMAIL_AFTER = "1 minute";

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
  linkOf: (confirmationId: string) => string,
): Promise<string> {
  checkRequest(await loadFields(ctx), list, request);
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
    if (due && !(await isBlocked(ctx, trx, request.email))) {
      const link = linkOf(public_id);
      await queueMail(trx, ctx.jobs, {
        to: request.email,
        subject: `Please confirm your subscription to ${list.name}`,
        text: [
          `Someone, hopefully you, asked to subscribe ${request.email} to "${list.name}".`,
          "",
          "To confirm, follow this link:",
          link,
          "",
          "If you did not ask for this, ignore this mail: nothing happens without the link.",
        ].join("\n"),
      });
    }
    return public_id;
  });
}

export type Confirmation =
  | { outcome: "confirmed"; email: string; list: string }
  | { outcome: "registered"; email: string; list: string }
  | { outcome: "unknown" }
  | { outcome: "expired" }
  | { outcome: "invalid"; message: string };

const CONFIRMATION_ID = /^[0-9a-f]{32}$/;

/** Follows a confirmation link: no key, the confirmation id alone says which account. */
export async function confirmSubscription(
  deps: { db: DB; jobs: Jobs; log: Logger },
  confirmationId: string,
  optInIp: string | null,
): Promise<Confirmation> {
  const id = confirmationId.trim().toLowerCase();
  if (!CONFIRMATION_ID.test(id)) return { outcome: "unknown" };
  try {
    return await deps.db.transaction().execute(async (trx) => {
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
      const ctx: Context = { ...deps, account, key: null };
      const request = pending.request as unknown as SubscribeRequest;
      await subscribeInTransaction(ctx, trx, list, request, {
        force: true,
        publicId: pending.public_id,
        refuseSubscribed: true,
        optInIp,
      });
      await trx
        .updateTable("subscription_confirmations")
        .set({ confirmed_at: new Date() })
        .where("id", "=", pending.id)
        .execute();
      return { outcome: "confirmed", ...found } as const;
    });
  } catch (error) {
    if (error instanceof Conflict) {
      const pending = await deps.db
        .selectFrom("subscription_confirmations as c")
        .innerJoin("lists", "lists.id", "c.list_id")
        .select(["c.email", "lists.name"])
        .where("c.public_id", "=", id)
        .executeTakeFirstOrThrow();
      return { outcome: "registered", email: pending.email, list: pending.name };
    }
    if (error instanceof Validation)
      return { outcome: "invalid", message: error.issues.map((issue) => issue.message).join("; ") };
    throw error;
  }
}
