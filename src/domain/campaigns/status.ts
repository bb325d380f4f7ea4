import type { Updateable } from "kysely";
import { sql } from "kysely";
import type { CampaignRow, CampaignStatus, CampaignsTable } from "../../db/types.js";
import type { Jobs, Queryable } from "../context.js";
import { publishChange } from "../realtime/publish.js";
import { emitEvent } from "../webhooks/events.js";
import { campaignsData } from "./payload.js";

// Every change of a campaign's status goes through here, inside the transaction that makes it:
// the row, its campaign.status_changed event and its realtime notice commit together.

/** The job that writes a campaign's messages, window by window (jobs/campaign-fan-out.ts). */
export const FAN_OUT_TASK = "campaign-fan-out";
/** The job that marks a campaign completed once none of its messages is queued. */
export const FINISH_TASK = "campaign-finish";

export interface CampaignJobPayload {
  accountId: string;
  /** Internal id. */
  campaignId: string;
}

/** The graphile-worker key of a campaign's fan-out job: a schedule is removed by it. */
export const fanOutJobKey = (campaignId: string) => `campaign-fan-out:${campaignId}`;
export const finishJobKey = (campaignId: string) => `campaign-finish:${campaignId}`;

export async function changeStatus(
  trx: Queryable,
  jobs: Jobs,
  campaign: CampaignRow,
  status: CampaignStatus,
  columns: Updateable<CampaignsTable> = {},
): Promise<CampaignRow> {
  const row = await trx
    .updateTable("campaigns")
    .set({ ...columns, status, updated_at: sql`now()` })
    .where("account_id", "=", campaign.account_id)
    .where("id", "=", campaign.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (campaign.status !== status) {
    const [data] = await campaignsData(trx, campaign.account_id, [row]);
    await emitEvent(
      trx,
      { account: { id: campaign.account_id }, jobs, sandbox: campaign.sandbox },
      "campaign.status_changed",
      { campaign: data, previous_status: campaign.status },
    );
  }
  await publishChange(trx, {
    accountId: campaign.account_id,
    topic: "campaign",
    id: row.public_id,
  });
  return row;
}

/** Takes a scheduled campaign's fan-out job off the queue (a running one ends at its next look). */
export async function removeFanOutJob(trx: Queryable, campaignId: string): Promise<void> {
  await sql`select graphile_worker.remove_job(${fanOutJobKey(campaignId)})`.execute(trx);
}
