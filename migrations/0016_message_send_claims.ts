import { type Kysely, sql } from "kysely";

// A provider send is claimed before it leaves: the worker pool that is handing the message to its
// provider (job_workers.id, whose advisory lock tells it alive or gone) and since when. A message
// still queued with the claim of a pool that is gone may or may not have reached the provider, so
// it is failed rather than sent again (src/jobs/send-messages.ts). No foreign key to job_workers:
// a gone pool's row is deleted while its claims are still to be settled.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table messages
      add column send_claimed_by text,
      add column send_claimed_at timestamptz
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table messages drop column send_claimed_by, drop column send_claimed_at
  `.execute(db);
}
