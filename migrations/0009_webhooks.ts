import { type Kysely, sql } from "kysely";

// Webhooks: endpoints an account registers for event types, the events the product emits (kept
// only when some webhook listens), and every delivery attempt (webhook_deliveries, 0010).

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- The secret signs deliveries (HMAC-SHA256), so it is kept as it is, not hashed: the API
    -- shows it once, at creation. A sandbox key's webhooks hear only a sandbox key's events, and
    -- a live key's only live ones.
    create table webhooks (
      id bigint generated always as identity primary key,
      account_id bigint not null references accounts on delete cascade,
      public_id text not null default new_public_id(),
      url text not null,
      events text[] not null,
      secret text not null,
      description text,
      active boolean not null default true,
      sandbox boolean not null default false,
      -- Set by the first failure after a success; a webhook failing for a day is deactivated.
      failing_since timestamptz,
      disabled_reason text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index webhooks_public_id on webhooks (account_id, public_id);
    create index webhooks_listening on webhooks (account_id) where active;

    create table webhook_events (
      id bigint generated always as identity primary key,
      account_id bigint not null references accounts on delete cascade,
      public_id text not null default new_public_id(),
      type text not null,
      data jsonb not null,
      sandbox boolean not null default false,
      created_at timestamptz not null default now()
    );
    create unique index webhook_events_public_id on webhook_events (account_id, public_id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table webhook_events;
    drop table webhooks;
  `.execute(db);
}
