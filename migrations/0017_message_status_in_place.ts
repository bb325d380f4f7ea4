import { type Kysely, sql } from "kysely";

// A message's row is updated three times after it is written (sent, delivered, read). With
// `status` in an index (0012's messages_campaign_status), every one of those updates wrote a new
// entry into each of the table's six indexes. With no index on `status`, delivered and read are
// HOT updates (the new row version on the same page, no index entry), given room on the page:
// the fill factor leaves a quarter of each page for them. "sent" still writes index entries:
// it sets provider_message_id, which receipts are found by.
// Measured on 100,000 messages in batches of 500 (bench/README.md, "Campaign"): delivered and
// read 1.6-2.4x faster. What the index served reads the campaign's messages through
// messages_campaign_subscriber instead: stats are one pass over the campaign's rows, and the
// completion check stops at the first queued one.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index messages_campaign_status;
    alter table messages set (fillfactor = 75)
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table messages reset (fillfactor);
    create index messages_campaign_status on messages (account_id, campaign_id, status)
      where campaign_id is not null
  `.execute(db);
}
