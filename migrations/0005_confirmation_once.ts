import { type Kysely, sql } from "kysely";

// One pending double opt-in confirmation per list and address: a repeated subscribe request
// refreshes the pending one (its request, its expiry) instead of adding another, and its mail
// goes out again at most once a minute (`mailed_at`), with the same link.
// Duplicates made before this migration keep only their newest pending confirmation.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    delete from subscription_confirmations c
    using subscription_confirmations newer
    where c.confirmed_at is null and newer.confirmed_at is null
      and newer.account_id = c.account_id and newer.list_id = c.list_id
      and lower(newer.email) = lower(c.email) and newer.id > c.id;

    alter table subscription_confirmations add column mailed_at timestamptz;
    update subscription_confirmations set mailed_at = created_at;

    create unique index subscription_confirmations_pending
      on subscription_confirmations (account_id, list_id, lower(email))
      where confirmed_at is null;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index if exists subscription_confirmations_pending;
    alter table subscription_confirmations drop column mailed_at;
  `.execute(db);
}
