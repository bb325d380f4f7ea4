import { type Kysely, sql } from "kysely";

// 0015's index of phone digits held an entry for every contact, phone or not: an import of
// 1,000,000 contacts with emails only wrote 1,000,000 NULL entries (and their WAL) that no
// look-up reads. The inbound sender look-up asks for a phone, so the index needs only those.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index subscribers_phone_digits;
    create index subscribers_phone_digits
      on subscribers (regexp_replace(phone, '[^0-9]', '', 'g')) where phone is not null
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index subscribers_phone_digits;
    create index subscribers_phone_digits
      on subscribers (regexp_replace(phone, '[^0-9]', '', 'g'))
  `.execute(db);
}
