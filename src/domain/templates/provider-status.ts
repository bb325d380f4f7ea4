import { sql } from "kysely";
import type { TemplateRow, TemplateStatus } from "../../db/types.js";
import type { Jobs, Queryable } from "../context.js";
import { emitEvent } from "../webhooks/events.js";
import { templateStatusChangedData } from "./payload.js";

// A template's review reported by WhatsApp (Meta's message_template_status_update `event`). Meta
// has more states than we show; each maps onto the one that says whether the template can be
// sent. FLAGGED keeps a template approved (Meta still sends it, and says when it would be
// disabled), so it changes only the reason; a state Meta adds later is ignored until mapped.
const META_STATUSES: Readonly<Record<string, TemplateStatus>> = {
  APPROVED: "approved",
  REINSTATED: "approved",
  FLAGGED: "approved",
  REJECTED: "rejected",
  PENDING: "pending",
  IN_APPEAL: "pending",
  PAUSED: "paused",
  DISABLED: "disabled",
  PENDING_DELETION: "disabled",
  DELETED: "disabled",
  ARCHIVED: "disabled",
};

export interface TemplateStatusReport {
  /** The provider's template id, global across our accounts. */
  providerTemplateId: string;
  /** Meta's word for it (APPROVED, REJECTED, PAUSED…), any case. */
  status: string;
  reason: string | null;
}

/**
 * Applies the provider's status to the template it names, whichever account it belongs to, and
 * emits template.status_changed when the status changes. False for an id we do not know. A
 * template edited back to draft ignores reports: they are about the version it replaced.
 */
export async function recordTemplateStatus(
  db: Queryable,
  jobs: Jobs,
  report: TemplateStatusReport,
): Promise<boolean> {
  const status = META_STATUSES[report.status.trim().toUpperCase()];
  const apply = async (trx: Queryable): Promise<boolean> => {
    const current = await trx
      .selectFrom("templates")
      .select(["id", "status"])
      .where("provider_template_id", "=", report.providerTemplateId)
      .forUpdate()
      .executeTakeFirst();
    if (!current) return false;
    if (status === undefined || current.status === "draft") return true;
    // Meta says NONE when there is no reason.
    const reason = report.reason && report.reason.toUpperCase() !== "NONE" ? report.reason : null;
    const row = await trx
      .updateTable("templates")
      .set({
        status,
        status_reason: reason,
        status_changed_at: status === current.status ? sql`status_changed_at` : sql`now()`,
        updated_at: sql`now()`,
      })
      .where("id", "=", current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (status !== current.status) await emitStatusChanged(trx, jobs, row, current.status);
    return true;
  };
  return db.isTransaction ? apply(db) : db.transaction().execute(apply);
}

/** template.status_changed for a template whose status left `previous`, as its account's. */
export function emitStatusChanged(
  db: Queryable,
  jobs: Jobs,
  row: TemplateRow,
  previous: TemplateStatus,
): Promise<void> {
  return emitEvent(
    db,
    { account: { id: row.account_id }, jobs, sandbox: row.sandbox },
    "template.status_changed",
    templateStatusChangedData(row, previous),
  );
}
