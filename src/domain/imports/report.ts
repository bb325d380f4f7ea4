import type { Kysely } from "kysely";
import { sql } from "kysely";
import type pg from "pg";
import type { Database } from "../../db/types.js";
import type { MailMessage } from "../../mail/mailer.js";
import { SEND_MAIL_TASK } from "../mail.js";

// The mail an import sends to `imports.notify_email` when it ends: the counts, and each refused
// row with its number, email and reason. It is queued in the transaction that ends the import,
// so it goes out exactly when the result is committed.

/** Rows listed in one mail; a bigger list would be a file nobody reads in a mail client. */
export const REPORT_MAX_ROWS = 1_000;
/** queueMail's attempts: the merge runs on a raw connection, so the job is added here. */
const MAIL_MAX_ATTEMPTS = 10;

export interface ReportedImport {
  public_id: string;
  source: string;
  filename: string | null;
  total: number;
  created: number;
  updated: number;
  invalid: number;
}

export interface RejectedRow {
  row_number: number;
  email: string | null;
  message: string;
}

function nameOf(imp: Pick<ReportedImport, "public_id" | "source" | "filename">): string {
  return `import ${imp.public_id} (${imp.source}${imp.filename ? `, ${imp.filename}` : ""})`;
}

export function completedReport(
  to: string,
  imp: ReportedImport,
  rejected: readonly RejectedRow[],
): MailMessage {
  const lines = [
    `Your ${nameOf(imp)} is complete.`,
    "",
    `Rows:     ${imp.total}`,
    `Created:  ${imp.created}`,
    `Updated:  ${imp.updated}`,
    `Rejected: ${imp.invalid}`,
  ];
  if (rejected.length > 0) {
    lines.push("", "Rejected rows (row number, email: reason):");
    for (const row of rejected) {
      lines.push(`row ${row.row_number}, ${row.email ?? "(no email)"}: ${row.message}`);
    }
    const more = imp.invalid - rejected.length;
    if (more > 0) lines.push(`… and ${more} more rejected rows, not listed here.`);
  }
  return {
    to,
    subject: `Import complete: ${imp.created} created, ${imp.updated} updated, ${imp.invalid} rejected`,
    text: `${lines.join("\n")}\n`,
  };
}

export function failedReport(
  to: string,
  imp: Pick<ReportedImport, "public_id" | "source" | "filename">,
  failure: string,
): MailMessage {
  return {
    to,
    subject: "Import failed: nothing was imported",
    text: `Your ${nameOf(imp)} failed and changed nothing.\n\nReason: ${failure}\n`,
  };
}

/** The rejected rows of an import to list in its report, in row order. */
export async function rejectedRows(
  client: pg.PoolClient,
  accountId: string,
  importId: string,
): Promise<RejectedRow[]> {
  const { rows } = await client.query<RejectedRow>(
    `select row_number, email, message from import_errors
     where account_id = $1 and import_id = $2 order by row_number limit $3`,
    [accountId, importId, REPORT_MAX_ROWS],
  );
  return rows;
}

/** Adds queueMail's `send-mail` job on a raw connection (the merge's transaction). */
export async function queueMailOn(client: pg.PoolClient, message: MailMessage): Promise<void> {
  await client.query("select graphile_worker.add_job($1, $2::json, max_attempts => $3::int)", [
    SEND_MAIL_TASK,
    JSON.stringify(message),
    MAIL_MAX_ATTEMPTS,
  ]);
}

/** The same, in a Kysely transaction (marking an import failed). */
export async function queueMailIn(db: Kysely<Database>, message: MailMessage): Promise<void> {
  await sql`select graphile_worker.add_job(${SEND_MAIL_TASK}, ${JSON.stringify(message)}::json,
    max_attempts => ${MAIL_MAX_ATTEMPTS}::int)`.execute(db);
}
