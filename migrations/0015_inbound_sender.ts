import { type Kysely, sql } from "kysely";

// A message from a phone (an SMS, a WhatsApp message) names only the sender's number, in the
// provider's format (digits, maybe a +), and the gateway serves many accounts: the sender is
// found among every account's contacts by the digits of their phone, whatever their formatting.
// Like messages_provider_id, this index does not start with account_id: the account is what the
// look-up finds.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index subscribers_phone_digits
      on subscribers (regexp_replace(phone, '[^0-9]', '', 'g'))
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index subscribers_phone_digits`.execute(db);
}
