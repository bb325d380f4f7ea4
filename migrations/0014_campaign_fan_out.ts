import { type Kysely, sql } from "kysely";

// A campaign's fan-out walks the account's subscribers by id, one window per transaction. The
// last id of the window done is kept on the campaign in the same transaction as that window's
// messages, so a job retried after its worker died resumes after it: nobody is skipped, and the
// unique (campaign, subscriber) index makes a window done twice insert nothing twice.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table campaigns add column audience_after bigint`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table campaigns drop column audience_after`.execute(db);
}
