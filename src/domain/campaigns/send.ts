import type { CampaignRow } from "../../db/types.js";
import type { Context, Queryable } from "../context.js";
import { Conflict, NotFound, Validation } from "../errors.js";
import { contentToSend } from "./content.js";
import {
  type CampaignJobPayload,
  changeStatus,
  FAN_OUT_TASK,
  fanOutJobKey,
  removeFanOutJob,
} from "./status.js";

// Sending: draft → sending (now) or → scheduled (at a time), the fan-out job added in the same
// transaction, so a campaign is sending exactly when its job exists. A schedule is a job row
// with its run_at, so it survives restarts; cancelling it removes that job by its key.

/** A retried fan-out resumes where it was (audience_after): many tries cost nothing twice. */
export const FAN_OUT_ATTEMPTS = 25;

/**
 * The campaign, locked until the transaction ends. FOR NO KEY UPDATE: messages being written for
 * it (whose foreign key takes a KEY SHARE lock on the row) neither wait for it nor block it.
 */
export async function lockCampaign(
  trx: Queryable,
  ctx: Pick<Context, "account">,
  publicId: string,
): Promise<CampaignRow> {
  const campaign = await trx
    .selectFrom("campaigns")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "=", publicId)
    .forNoKeyUpdate()
    .executeTakeFirst();
  if (!campaign) throw new NotFound("Campaign", publicId);
  return campaign;
}

/** Sends a draft now (`at` absent) or at `at`, which must be in the future. */
export async function sendCampaign(
  ctx: Context,
  publicId: string,
  at?: Date | null,
): Promise<CampaignRow> {
  if (at && at.getTime() <= Date.now())
    throw Validation.of(["scheduledAt"], "the time to send at is in the past");
  return ctx.db.transaction().execute(async (trx) => {
    const campaign = await lockCampaign(trx, ctx, publicId);
    if (campaign.status !== "draft")
      throw new Conflict(`only a draft campaign can be sent; this one is ${campaign.status}`);
    await contentToSend(trx, campaign);
    const payload: CampaignJobPayload = { accountId: ctx.account.id, campaignId: campaign.id };
    await ctx.jobs.add(
      trx,
      FAN_OUT_TASK,
      { ...payload },
      {
        jobKey: fanOutJobKey(campaign.id),
        runAt: at ?? undefined,
        maxAttempts: FAN_OUT_ATTEMPTS,
      },
    );
    const fresh = {
      audience_after: null,
      audience_done_at: null,
      completed_at: null,
      failure_reason: null,
    };
    if (at)
      return changeStatus(trx, ctx.jobs, campaign, "scheduled", { ...fresh, scheduled_at: at });
    return changeStatus(trx, ctx.jobs, campaign, "sending", { ...fresh, started_at: new Date() });
  });
}

/** Returns a scheduled campaign to draft and takes its job off the queue. */
export async function cancelCampaign(ctx: Context, publicId: string): Promise<CampaignRow> {
  return ctx.db.transaction().execute(async (trx) => {
    const campaign = await lockCampaign(trx, ctx, publicId);
    if (campaign.status !== "scheduled")
      throw new Conflict(
        `only a scheduled campaign can be cancelled; this one is ${campaign.status}`,
      );
    return unschedule(trx, ctx, campaign);
  });
}

/** scheduled → draft, its job removed; the time it was scheduled for is cleared. */
export async function unschedule(
  trx: Queryable,
  ctx: Pick<Context, "jobs">,
  campaign: CampaignRow,
): Promise<CampaignRow> {
  await removeFanOutJob(trx, campaign.id);
  return changeStatus(trx, ctx.jobs, campaign, "draft", { scheduled_at: null });
}
