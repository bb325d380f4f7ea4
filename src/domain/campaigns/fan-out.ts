import { sql } from "kysely";
import type { DB } from "../../db/database.js";
import type { CampaignRow, SubscriberRow } from "../../db/types.js";
import type { Jobs, Queryable } from "../context.js";
import { isDomainError } from "../errors.js";
import { queueSends } from "../messages/queue.js";
import { publishChange } from "../realtime/publish.js";
import { contentToSend, loadFields, renderFor } from "./content.js";
import { type CampaignJobPayload, changeStatus, FINISH_TASK, finishJobKey } from "./status.js";

// The fan-out writes a campaign's messages one window of the account's subscribers (by id) per
// transaction: the window's eligible subscribers get their message, the send jobs for those
// messages are added, and the window's last id is kept on the campaign — all or nothing. A job
// retried after its worker died starts after the last window that committed; a window done twice
// inserts nothing twice (unique (campaign, subscriber)). No more than a window is ever in memory.

/** Subscribers looked at per transaction. */
export const WINDOW = 1000;

export type Step = "more" | "done" | "stopped";

interface Deps {
  db: DB;
  jobs: Jobs;
}

async function lockById(trx: Queryable, payload: CampaignJobPayload) {
  return trx
    .selectFrom("campaigns")
    .selectAll()
    .where("account_id", "=", payload.accountId)
    .where("id", "=", payload.campaignId)
    .forNoKeyUpdate()
    .executeTakeFirst();
}

function fail(trx: Queryable, jobs: Jobs, campaign: CampaignRow, reason: string) {
  return changeStatus(trx, jobs, campaign, "failed", { failure_reason: reason });
}

/** The window's eligible subscribers: in the audience, reachable on the channel, not refused. */
function eligibleIn(trx: Queryable, campaign: CampaignRow, after: string, last: string) {
  const address =
    campaign.channel === "email" ? sql`s.email <> ''` : sql`s.phone is not null and s.phone <> ''`;
  return sql<SubscriberRow>`
    select s.* from subscribers s
    where s.account_id = ${campaign.account_id} and s.id > ${after} and s.id <= ${last}
      and s.status = 'active' and ${address}
      and (
        exists (select from subscriptions m
          where m.account_id = s.account_id and m.subscriber_id = s.id
            and m.list_id = any(${campaign.list_ids}::bigint[]) and m.status = 'subscribed')
        or exists (select from subscriber_tags t
          where t.account_id = s.account_id and t.subscriber_id = s.id
            and t.tag_id = any(${campaign.tag_ids}::bigint[]))
      )
      and not exists (select from blocklist b
        where b.account_id = s.account_id and lower(b.email) = lower(s.email))
    order by s.id`.execute(trx);
}

/** One window of the fan-out, in one transaction. */
export async function fanOutStep(
  deps: Deps,
  payload: CampaignJobPayload,
  window = WINDOW,
): Promise<Step> {
  return deps.db.transaction().execute(async (trx) => {
    let campaign = await lockById(trx, payload);
    if (!campaign) return "stopped";
    if (campaign.status === "scheduled") {
      // A schedule come due is checked again: its template may have been paused meanwhile.
      try {
        await contentToSend(trx, campaign);
      } catch (error) {
        if (!isDomainError(error)) throw error;
        await fail(trx, deps.jobs, campaign, error.message);
        return "stopped";
      }
      campaign = await changeStatus(trx, deps.jobs, campaign, "sending", {
        started_at: new Date(),
      });
    }
    if (campaign.status !== "sending") return "stopped";
    if (campaign.audience_done_at) {
      await finishLater(trx, deps.jobs, payload, 0);
      return "done";
    }
    const template = campaign.template_id === null ? null : await loadTemplateNow(trx, campaign);
    if (template === undefined) {
      await fail(trx, deps.jobs, campaign, "the template was deleted");
      return "stopped";
    }
    if (template && template.status !== "approved") {
      await fail(trx, deps.jobs, campaign, `the template is ${template.status}`);
      return "stopped";
    }
    const after = campaign.audience_after ?? "0";
    const { rows: ends } = await sql<{ last: string | null }>`
      select max(id) as last from (
        select id from subscribers where account_id = ${campaign.account_id} and id > ${after}
        order by id limit ${window}
      ) w`.execute(trx);
    const last = ends[0]?.last ?? null;
    if (last === null) {
      campaign = await trx
        .updateTable("campaigns")
        .set({ audience_done_at: new Date(), updated_at: new Date() })
        .where("account_id", "=", campaign.account_id)
        .where("id", "=", campaign.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await finishIfSent(trx, deps.jobs, campaign, 0);
      return "done";
    }
    const content = {
      template,
      subject:
        campaign.channel === "email" ? (template ? template.subject : campaign.subject) : null,
      body: template?.body ?? campaign.body ?? "",
      variables: campaign.variables as Record<string, string>,
    };
    const fields = await loadFields(trx, campaign.account_id);
    const { rows: subscribers } = await eligibleIn(trx, campaign, after, last);
    const messages = [];
    for (const subscriber of subscribers) {
      const rendered = renderFor(content, subscriber, fields);
      if (rendered.missing.length > 0) {
        // Checked at send; only a custom field deleted since can leave a variable empty.
        await fail(trx, deps.jobs, campaign, `no value for {{${rendered.missing[0]}}}`);
        return "stopped";
      }
      messages.push({
        account_id: campaign.account_id,
        subscriber_id: subscriber.id,
        campaign_id: campaign.id,
        template_id: campaign.template_id,
        channel: campaign.channel,
        address: campaign.channel === "email" ? subscriber.email : (subscriber.phone as string),
        subject: rendered.subject,
        body: rendered.body,
        variables: JSON.stringify(rendered.variables),
        sandbox: campaign.sandbox,
      });
    }
    if (messages.length > 0) {
      const inserted = await trx
        .insertInto("messages")
        .values(messages)
        .onConflict((oc) =>
          oc
            .columns(["account_id", "campaign_id", "subscriber_id"])
            .where("campaign_id", "is not", null)
            .doNothing(),
        )
        .returning("id")
        .execute();
      await queueSends(
        trx,
        { jobs: deps.jobs },
        inserted.map((row) => row.id),
      );
    }
    await trx
      .updateTable("campaigns")
      .set({ audience_after: last, updated_at: new Date() })
      .where("account_id", "=", campaign.account_id)
      .where("id", "=", campaign.id)
      .execute();
    await publishChange(trx, {
      accountId: campaign.account_id,
      topic: "campaign",
      id: campaign.public_id,
    });
    return "more";
  });
}

function loadTemplateNow(trx: Queryable, campaign: CampaignRow) {
  return trx
    .selectFrom("templates")
    .selectAll()
    .where("account_id", "=", campaign.account_id)
    .where("id", "=", campaign.template_id as string)
    .executeTakeFirst();
}

/** Completed once the audience is done and none of its messages is still queued. */
async function finishIfSent(
  trx: Queryable,
  jobs: Jobs,
  campaign: CampaignRow,
  attempt: number,
): Promise<boolean> {
  const { rows } = await sql<{ queued: boolean }>`
    select exists (select from messages
      where account_id = ${campaign.account_id} and campaign_id = ${campaign.id}
        and status = 'queued') as queued`.execute(trx);
  if (rows[0]?.queued) {
    await finishLater(
      trx,
      jobs,
      { accountId: campaign.account_id, campaignId: campaign.id },
      attempt,
    );
    return false;
  }
  await changeStatus(trx, jobs, campaign, "completed", { completed_at: new Date() });
  return true;
}

/**
 * Backoff of the completion check: 250 ms doubling, at most 1 s between looks. A look reads the
 * campaign's messages up to the first still queued (all of them once none is: ~20 ms for 100,000
 * on 2 cores), and a campaign is reported completed within a second of its last message leaving.
 */
function finishDelay(attempt: number): number {
  return Math.min(250 * 2 ** attempt, 1000);
}

async function finishLater(
  trx: Queryable,
  jobs: Jobs,
  payload: CampaignJobPayload,
  attempt: number,
): Promise<void> {
  await jobs.add(
    trx,
    FINISH_TASK,
    { ...payload, attempt },
    {
      jobKey: finishJobKey(payload.campaignId),
      runAt: new Date(Date.now() + finishDelay(attempt)),
    },
  );
}

/** The completion check, run by its job until the campaign is completed (or no longer sending). */
export async function finishStep(
  deps: Deps,
  payload: CampaignJobPayload,
  attempt: number,
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const campaign = await lockById(trx, payload);
    if (campaign?.status !== "sending" || !campaign.audience_done_at) return;
    await finishIfSent(trx, deps.jobs, campaign, attempt + 1);
  });
}
