import { sql } from "kysely";
import type { Queryable } from "../context.js";

// Changes that GraphQL subscriptions report (message status, conversation, import and campaign
// progress) are announced with Postgres NOTIFY on one channel, through the caller's executor:
// inside a transaction the notice leaves at commit, and never for a change rolled back. Every
// server process LISTENs, so a change made by any process or worker reaches a subscriber
// connected to any other. A notice names what changed, not its new state (NOTIFY payloads are
// limited to 8,000 bytes, and the subscriber reads the state its key may see).

export const REALTIME_CHANNEL = "contact_gateway_changes";

export type RealtimeTopic = "message" | "conversation" | "import" | "campaign";

export interface RealtimeChange {
  /** Internal id of the account the change belongs to. */
  accountId: string;
  topic: RealtimeTopic;
  /** Public id of what changed. */
  id: string;
}

/** Announces changes in one statement (Postgres folds identical notices of one transaction). */
export async function publishChanges(
  db: Queryable,
  changes: readonly RealtimeChange[],
): Promise<void> {
  if (changes.length === 0) return;
  await sql`select pg_notify(${REALTIME_CHANNEL}, change::text)
    from jsonb_array_elements(${JSON.stringify(changes)}::jsonb) as change`.execute(db);
}

export function publishChange(db: Queryable, change: RealtimeChange): Promise<void> {
  return publishChanges(db, [change]);
}
