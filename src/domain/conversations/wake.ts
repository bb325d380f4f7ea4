import { sql } from "kysely";
import type { DB } from "../../db/database.js";
import { publishChange } from "../realtime/publish.js";
import type { WakeConversationPayload } from "./changes.js";

/**
 * Opens a snoozed conversation whose time has come. A conversation opened, resolved or snoozed
 * again meanwhile is left alone (a later snooze has moved this job's time anyway).
 */
export async function wakeConversation(db: DB, payload: WakeConversationPayload): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const woken = await trx
      .updateTable("conversations")
      .set({ status: "open", snoozed_until: null, updated_at: new Date() })
      .where("account_id", "=", payload.accountId)
      .where("id", "=", payload.conversationId)
      .where("status", "=", "snoozed")
      .where("snoozed_until", "<=", sql<Date>`now()`)
      .returning("public_id")
      .executeTakeFirst();
    if (woken)
      await publishChange(trx, {
        accountId: payload.accountId,
        topic: "conversation",
        id: woken.public_id,
      });
  });
}
