import { type Kysely, sql } from "kysely";

// Every attempt to deliver an event to a webhook: what the receiver answered (or why nothing
// came), how long it took, and which attempt it was. The API and GraphQL read a webhook's
// attempts newest first, so the index leads with the account, then the webhook.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table webhook_deliveries (
      id bigint generated always as identity primary key,
      account_id bigint not null references accounts on delete cascade,
      public_id text not null default new_public_id(),
      webhook_id bigint not null references webhooks on delete cascade,
      event_id bigint not null references webhook_events on delete cascade,
      -- 1 for the first attempt; retries are 2 to 6.
      attempt int not null,
      -- The receiver's HTTP status; null when none came (timeout, refused address, reset).
      status_code int,
      succeeded boolean not null,
      error text,
      response_ms int not null,
      -- The first bytes of the answer's body (about 1 KB), as text.
      response_body text,
      -- When the next attempt is due; null after a success or the last attempt.
      next_attempt_at timestamptz,
      created_at timestamptz not null default now()
    );
    create unique index webhook_deliveries_public_id on webhook_deliveries (account_id, public_id);
    create index webhook_deliveries_of_webhook on webhook_deliveries (account_id, webhook_id, id);
    -- Deleting an event (with its account) finds its attempts by this index.
    create index webhook_deliveries_event on webhook_deliveries (event_id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table webhook_deliveries`.execute(db);
}
