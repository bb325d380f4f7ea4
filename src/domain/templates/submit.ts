import { sql } from "kysely";
import type { TemplateRow } from "../../db/types.js";
import { type Context, isSandbox, type Jobs, type Queryable } from "../context.js";
import { Conflict } from "../errors.js";
import { emitStatusChanged, recordTemplateStatus } from "./provider-status.js";
import { type TemplateSettings, templateSettings } from "./settings.js";
import { lockTemplate } from "./templates.js";
import {
  DELETE_ATTEMPTS,
  DELETE_WHATSAPP_TEMPLATE_TASK,
  type WhatsAppDeletion,
} from "./whatsapp-delete.js";
import { submitForReview } from "./whatsapp-review.js";

// Submitting a WhatsApp template for review: draft or rejected → pending, then a job takes it to
// the reviewer. With WhatsApp configured (and a live template) that is the Cloud API, whose
// decision arrives later on our webhook (recordTemplateStatus). A sandbox template, or any with
// no WhatsApp configured outside production, is approved by the sandbox after a delay: it never
// leaves the system. Both jobs act only on the submission they were added for (the template still
// pending since that instant), so a template deleted or resubmitted meanwhile is left alone.

export const SUBMIT_TEMPLATE_TASK = "submit-template";
export const APPROVE_SANDBOX_TEMPLATE_TASK = "approve-sandbox-template";
/** Tries of a submission the Cloud API did not answer (graphile-worker's backoff between). */
export const SUBMIT_ATTEMPTS = 6;

export interface SubmissionPayload {
  /** Internal id. */
  templateId: string;
  /** The submission's instant (ISO): the job's submission, not a later one. */
  submittedAt: string;
}

/** Submits the template for review: only a WhatsApp draft or rejected template may go. */
export async function submitTemplate(
  ctx: Context,
  publicId: string,
  settings: TemplateSettings = templateSettings(),
): Promise<TemplateRow> {
  return ctx.db.transaction().execute(async (trx) => {
    const current = await lockTemplate(trx, ctx, publicId);
    if (current.channel !== "whatsapp")
      throw new Conflict(
        `${current.channel} templates are not reviewed: this one is usable as it is`,
      );
    if (current.status !== "draft" && current.status !== "rejected")
      throw new Conflict(
        `the template is ${current.status}: only a draft or rejected template can be submitted`,
      );
    const sandbox = current.sandbox || isSandbox(ctx) || settings.whatsapp === null;
    if (sandbox && !current.sandbox && !isSandbox(ctx) && settings.production)
      throw new Conflict("WhatsApp is not configured: templates cannot be submitted for review");
    const row = await trx
      .updateTable("templates")
      .set({
        status: "pending",
        status_reason: null,
        submitted_at: sql`now()`,
        status_changed_at: sql`now()`,
        updated_at: sql`now()`,
      })
      .where("id", "=", current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const payload = {
      templateId: row.id,
      submittedAt: (row.submitted_at as Date).toISOString(),
    } satisfies SubmissionPayload;
    if (sandbox)
      await ctx.jobs.add(trx, APPROVE_SANDBOX_TEMPLATE_TASK, payload, {
        runAt: new Date(Date.now() + settings.sandboxApprovalMs),
        maxAttempts: 10,
      });
    else await ctx.jobs.add(trx, SUBMIT_TEMPLATE_TASK, payload, { maxAttempts: SUBMIT_ATTEMPTS });
    await emitStatusChanged(trx, ctx.jobs, row, current.status);
    return row;
  });
}

/** The template still pending from this submission, locked; null when it is not any more. */
async function stillSubmitted(
  trx: Queryable,
  payload: SubmissionPayload,
): Promise<TemplateRow | null> {
  const row = await trx
    .selectFrom("templates")
    .selectAll()
    .where("id", "=", payload.templateId)
    .where("status", "=", "pending")
    // The payload's instant has JavaScript's milliseconds; the column keeps microseconds.
    .where(sql`date_trunc('milliseconds', submitted_at)`, "=", new Date(payload.submittedAt))
    .forUpdate()
    .executeTakeFirst();
  return row ?? null;
}

async function settle(
  trx: Queryable,
  jobs: Jobs,
  row: TemplateRow,
  status: "approved" | "rejected",
  reason: string | null,
): Promise<void> {
  const settled = await trx
    .updateTable("templates")
    .set({ status, status_reason: reason, status_changed_at: sql`now()`, updated_at: sql`now()` })
    .where("id", "=", row.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await emitStatusChanged(trx, jobs, settled, row.status);
}

/** The sandbox's review: the template submitted then is approved. */
export async function approveSandboxTemplate(
  db: Context["db"],
  jobs: Jobs,
  payload: SubmissionPayload,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await stillSubmitted(trx, payload);
    if (!row) return false;
    await settle(trx, jobs, row, "approved", null);
    return true;
  });
}

/**
 * A template deleted while WhatsApp was creating it: the copy WhatsApp just made is deleted too,
 * as the delete itself would have done had the id been kept in time.
 */
async function deleteIfGone(
  trx: Queryable,
  jobs: Jobs,
  row: TemplateRow,
  providerTemplateId: string,
): Promise<void> {
  const still = await trx
    .selectFrom("templates")
    .select("id")
    .where("id", "=", row.id)
    .executeTakeFirst();
  if (still) return;
  await jobs.add(
    trx,
    DELETE_WHATSAPP_TEMPLATE_TASK,
    { providerTemplateId, name: row.name, templateId: row.public_id } satisfies WhatsAppDeletion,
    { maxAttempts: DELETE_ATTEMPTS },
  );
}

/**
 * Sends the submission to the Cloud API and keeps the id it gives. A refusal rejects the template
 * with WhatsApp's reason; no answer throws (the job is tried again) until the last try, which
 * rejects it with why, so that a template never stays pending for an answer that will not come.
 */
export async function sendSubmission(
  db: Context["db"],
  jobs: Jobs,
  payload: SubmissionPayload,
  lastTry: boolean,
  settings: TemplateSettings = templateSettings(),
): Promise<void> {
  const row = await stillSubmitted(db, payload);
  if (!row) return;
  if (!settings.whatsapp) {
    // Configured at submission, not now: nothing can take it but the sandbox.
    await approveSandboxTemplate(db, jobs, payload);
    return;
  }
  const answer = await submitForReview(settings.whatsapp, row);
  if (answer.kind === "failed" && !lastTry) throw new Error(answer.reason);
  await db.transaction().execute(async (trx) => {
    const locked = await stillSubmitted(trx, payload);
    if (!locked) {
      if (answer.kind === "accepted" && row.provider_template_id === null)
        await deleteIfGone(trx, jobs, row, answer.providerTemplateId);
      return;
    }
    if (answer.kind !== "accepted") {
      await settle(trx, jobs, locked, "rejected", answer.reason);
      return;
    }
    await trx
      .updateTable("templates")
      .set({ provider_template_id: answer.providerTemplateId, updated_at: sql`now()` })
      .where("id", "=", locked.id)
      .execute();
    if (answer.status)
      await recordTemplateStatus(trx, jobs, {
        providerTemplateId: answer.providerTemplateId,
        status: answer.status,
        reason: null,
      });
  });
}
