import { type RawBuilder, sql } from "kysely";
import type { MessageChannel, MessageRow } from "../../db/types.js";
import type { Jobs, Queryable } from "../context.js";
import { publishChanges, type RealtimeChange } from "../realtime/publish.js";
import { emitEvents } from "../webhooks/events.js";
import { type MessageIds, messageData } from "./payload.js";

// An outbound message's status only moves forward: queued → sent → delivered → read, or to
// failed before it was delivered. Providers report late and out of order (a "delivered" after
// the "read", a "sent" after the "delivered"): a report that would go back changes no status,
// and only fills in the time it reports if that time is still empty. "read" may come without
// "delivered" (WhatsApp folds them), and leaves delivered_at empty then. Each status change
// emits its message.<status> event and announces the message (and its campaign) to
// subscriptions, in the transaction of the change; a batch is one statement per status.

export type ReportedStatus = "sent" | "delivered" | "read" | "failed";

/** Statuses a message may move to each reported status from. */
const FROM: Record<ReportedStatus, string[]> = {
  sent: ["queued"],
  delivered: ["queued", "sent"],
  read: ["queued", "sent", "delivered"],
  failed: ["queued", "sent"],
};

/** Later statuses whose messages still take this report's time when they lack it. */
const LATER: Record<ReportedStatus, string[]> = {
  sent: ["delivered", "read"],
  delivered: ["read"],
  read: [],
  failed: [],
};

const ORDER: ReportedStatus[] = ["sent", "delivered", "read", "failed"];

export interface StatusReport {
  status: ReportedStatus;
  /** When the provider says it happened; now when it does not say. */
  at?: Date | null;
  /** sent: the provider's id of the message. */
  providerMessageId?: string | null;
  /** failed: why. */
  reason?: string | null;
}

/** A message whose status changed, with the public ids its payload names. */
export type ChangedMessage = MessageRow & { previous: string };

type Found = MessageRow & {
  previous: string;
  contact_public_id: string;
  conversation_public_id: string | null;
  campaign_public_id: string | null;
  template_public_id: string | null;
};

const TIME_COLUMN: Record<ReportedStatus, string> = {
  sent: "sent_at",
  delivered: "delivered_at",
  read: "read_at",
  failed: "failed_at",
};

interface ReportRow {
  id?: string;
  provider_message_id?: string | null;
  at: string | null;
  reason: string | null;
}

async function applyOne(
  db: Queryable,
  status: ReportedStatus,
  rows: ReportRow[],
  match: RawBuilder<unknown>,
  filter: (rows: ReportRow[]) => RawBuilder<unknown>,
  endSendClaim: boolean,
): Promise<Found[]> {
  const time = sql.ref(`m.${TIME_COLUMN[status]}`);
  const timeColumn = sql.ref(TIME_COLUMN[status]);
  const extra =
    status === "sent"
      ? sql`, provider_message_id = coalesce(t.new_provider_id, m.provider_message_id)`
      : status === "failed"
        ? sql`, failure_reason = case when t.previous = any(${FROM.failed}::text[]) then t.reason else m.failure_reason end`
        : sql``;
  const claim = endSendClaim ? sql`, send_claimed_by = null, send_claimed_at = null` : sql``;
  const { rows: found } = await sql<Found>`
    with report as (
      select distinct on (coalesce(r.id::text, r.provider_message_id)) *
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        as r(id bigint, provider_message_id text, at timestamptz, reason text)
    ), target as (
      select m.id, m.status as previous, coalesce(r.at, now()) as at,
        r.reason, r.provider_message_id as new_provider_id
      from report r join messages m on ${match}
      where m.direction = 'outbound' and ${filter(rows)}
      for update of m
    )
    update messages m set
      status = case when t.previous = any(${FROM[status]}::text[]) then ${status} else m.status end,
      ${timeColumn} = coalesce(${time}, t.at),
      updated_at = now()
      ${extra}
      ${claim}
    from target t
    where m.id = t.id
      and (t.previous = any(${FROM[status]}::text[])
        or (${time} is null and t.previous = any(${LATER[status]}::text[])))
    returning m.*, t.previous,
      (select public_id from subscribers s where s.id = m.subscriber_id) as contact_public_id,
      (select public_id from conversations c where c.id = m.conversation_id) as conversation_public_id,
      (select public_id from campaigns c where c.id = m.campaign_id) as campaign_public_id,
      (select public_id from templates tp where tp.id = m.template_id) as template_public_id
  `.execute(db);
  return found;
}

function idsOf(row: Found): MessageIds {
  return {
    contactId: row.contact_public_id,
    conversationId: row.conversation_public_id,
    campaignId: row.campaign_public_id,
    templateId: row.template_public_id,
  };
}

/** Events and realtime notices of the messages whose status became `status`. */
async function announce(
  db: Queryable,
  jobs: Jobs,
  status: ReportedStatus,
  rows: Found[],
): Promise<void> {
  const changed = rows.filter((row) => row.status === status && row.previous !== status);
  const groups = new Map<string, Found[]>();
  for (const row of changed) {
    const key = `${row.account_id}:${row.sandbox}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  for (const group of groups.values()) {
    const { account_id: accountId, sandbox } = group[0];
    await emitEvents(
      db,
      { account: { id: accountId }, jobs, sandbox },
      `message.${status}`,
      group.map((row) => ({ message: messageData(row, idsOf(row)) })),
    );
  }
  const notices: RealtimeChange[] = [];
  const campaigns = new Set<string>();
  for (const row of changed) {
    notices.push({ accountId: row.account_id, topic: "message", id: row.public_id });
    if (row.campaign_public_id && !campaigns.has(`${row.account_id}:${row.campaign_public_id}`)) {
      campaigns.add(`${row.account_id}:${row.campaign_public_id}`);
      notices.push({ accountId: row.account_id, topic: "campaign", id: row.campaign_public_id });
    }
  }
  await publishChanges(db, notices);
}

function inTransaction<T>(db: Queryable, work: (trx: Queryable) => Promise<T>): Promise<T> {
  return db.isTransaction ? work(db) : db.transaction().execute(work);
}

function strip(rows: Found[]): ChangedMessage[] {
  return rows
    .filter((row) => row.status !== row.previous)
    .map(
      ({
        contact_public_id: _c,
        conversation_public_id: _v,
        campaign_public_id: _p,
        template_public_id: _t,
        ...row
      }) => row,
    );
}

async function record(
  db: Queryable,
  jobs: Jobs,
  reports: readonly (StatusReport & { key: ReportRow })[],
  match: RawBuilder<unknown>,
  filter: (rows: ReportRow[]) => RawBuilder<unknown>,
  endSendClaim = false,
): Promise<ChangedMessage[]> {
  if (reports.length === 0) return [];
  return inTransaction(db, async (trx) => {
    const changed: ChangedMessage[] = [];
    // In the order of the lifecycle: a read and a delivered of one batch end as read.
    for (const status of ORDER) {
      const rows = reports
        .filter((report) => report.status === status)
        .map((report) => ({
          ...report.key,
          at: report.at?.toISOString() ?? null,
          reason: report.reason ?? null,
        }));
      if (rows.length === 0) continue;
      const found = await applyOne(trx, status, rows, match, filter, endSendClaim);
      await announce(trx, jobs, status, found);
      changed.push(...strip(found));
    }
    return changed;
  });
}

/**
 * Records statuses of our messages by internal id (the send job, the sandbox). `endSendClaim`:
 * the outcome of a provider send, which ends the message's send claim in the same statement.
 */
export function recordStatuses(
  db: Queryable,
  jobs: Jobs,
  reports: readonly (StatusReport & { id: string })[],
  options: { endSendClaim?: boolean } = {},
): Promise<ChangedMessage[]> {
  return record(
    db,
    jobs,
    reports.map((report) => ({
      ...report,
      key: {
        id: report.id,
        provider_message_id: report.providerMessageId ?? null,
        at: null,
        reason: null,
      },
    })),
    sql`m.id = r.id`,
    // The ids again as an array: the messages are found by their key whatever the planner
    // thinks of a table whose statistics lag behind a campaign's fresh 100,000 rows.
    (rows) => sql`m.id = any(${rows.map((row) => row.id)}::bigint[])`,
    options.endSendClaim ?? false,
  );
}

/**
 * Records statuses a provider reports by its own message id (an SMPP receipt, a WhatsApp status),
 * whichever account the message belongs to; ids we do not know change nothing.
 */
export function recordProviderStatuses(
  db: Queryable,
  jobs: Jobs,
  channel: MessageChannel,
  reports: readonly (StatusReport & { providerMessageId: string })[],
): Promise<ChangedMessage[]> {
  return record(
    db,
    jobs,
    reports.map((report) => ({
      ...report,
      key: { provider_message_id: report.providerMessageId, at: null, reason: null },
    })),
    sql`m.channel = ${channel} and m.provider_message_id = r.provider_message_id`,
    (rows) =>
      sql`m.channel = ${channel} and m.provider_message_id = any(${rows.map((row) => row.provider_message_id)}::text[])`,
  );
}

/**
 * recordProviderStatuses for reports that may come before the send job has recorded the ids
 * they name (the provider answered the send, the job's batch is still in flight): reports of
 * ids not yet known are applied again until they are, for `waitMs` at most; past that they are
 * about messages that are not ours, and dropped.
 */
export async function recordProviderStatusesWhenKnown(
  db: Queryable,
  jobs: Jobs,
  channel: MessageChannel,
  reports: readonly (StatusReport & { providerMessageId: string })[],
  waitMs: number,
): Promise<{ changed: ChangedMessage[]; unknown: string[] }> {
  if (reports.length === 0) return { changed: [], unknown: [] };
  const deadline = Date.now() + waitMs;
  const changed: ChangedMessage[] = [];
  let pending = [...reports];
  for (;;) {
    // Known before the reports are applied: then the reports saw them.
    const ids = [...new Set(pending.map((report) => report.providerMessageId))];
    const known = new Set(
      (
        await db
          .selectFrom("messages")
          .select("provider_message_id")
          .where("channel", "=", channel)
          .where("provider_message_id", "in", ids)
          .execute()
      ).map((row) => row.provider_message_id),
    );
    changed.push(...(await recordProviderStatuses(db, jobs, channel, pending)));
    pending = pending.filter((report) => !known.has(report.providerMessageId));
    if (pending.length === 0 || Date.now() > deadline)
      return { changed, unknown: pending.map((report) => report.providerMessageId) };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
