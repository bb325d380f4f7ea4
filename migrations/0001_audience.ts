import { type Kysely, sql } from "kysely";

// The audience model of DESIGN.md. Every tenant table carries account_id and every index on it
// starts with account_id, so the schema stays ready to be distributed by account.
// Public ids are 32 lowercase hex characters, shared by every surface that shows string ids.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function new_public_id() returns text language sql volatile as
      $$ select replace(gen_random_uuid()::text, '-', '') $$;

    create table accounts (
      id bigint generated always as identity primary key,
      sid text not null unique default new_public_id(),
      name text not null,
      owner_email text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );

    create table api_keys (
      id bigint generated always as identity primary key,
      account_id bigint not null references accounts on delete cascade,
      public_id text not null default new_public_id(),
      digest bytea not null,
      scopes text[] not null,
      label text,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    );
    create unique index api_keys_digest on api_keys (digest);
    create unique index api_keys_public_id on api_keys (account_id, public_id);
    create unique index api_keys_live_label on api_keys (account_id, label)
      where revoked_at is null and label is not null;

    create table subscribers (
      id bigint generated always as identity primary key,
      account_id bigint not null references accounts on delete cascade,
      public_id text not null default new_public_id(),
      email text not null,
      first_name text,
      last_name text,
      phone text,
      timezone text,
      job_title text,
      company text,
      country text,
      address text,
      website text,
      postal_code text,
      birthday date,
      status text not null default 'active'
        check (status in ('active', 'unsubscribed', 'bounced', 'complained')),
      custom_values jsonb not null default '{}',
      opt_in_ip text,
      opt_in_country text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index subscribers_email on subscribers (account_id, lower(email));
    create unique index subscribers_public_id on subscribers (account_id, public_id);
    create index subscribers_page on subscribers (account_id, id);
    create index subscribers_created on subscribers (account_id, created_at);

    create table lists (
      id bigint generated always as identity primary key,
      account_id bigint not null references accounts on delete cascade,
      public_id text not null default new_public_id(),
      name text not null,
      description text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index lists_public_id on lists (account_id, public_id);
    create index lists_page on lists (account_id, id);

    create table subscriptions (
      id bigint generated always as identity primary key,
      account_id bigint not null references accounts on delete cascade,
      public_id text not null default new_public_id(),
      list_id bigint not null references lists on delete cascade,
      subscriber_id bigint not null references subscribers on delete cascade,
      status text not null default 'subscribed'
        check (status in ('subscribed', 'unsubscribed', 'bounced', 'complained', 'pending')),
      status_changed_at timestamptz not null default now(),
      source text not null default 'api',
      created_at timestamptz not null default now()
    );
    create unique index subscriptions_member on subscriptions (account_id, list_id, subscriber_id);
    create index subscriptions_subscriber on subscriptions (account_id, subscriber_id);
    create unique index subscriptions_public_id on subscriptions (account_id, public_id);

    create table tags (
      id bigint generated always as identity primary key,
      account_id bigint not null references accounts on delete cascade,
      public_id text not null default new_public_id(),
      name text not null,
      status text not null default 'active' check (status in ('active', 'inactive')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index tags_name on tags (account_id, lower(name));
    create unique index tags_public_id on tags (account_id, public_id);

    create table subscriber_tags (
      account_id bigint not null references accounts on delete cascade,
      subscriber_id bigint not null references subscribers on delete cascade,
      tag_id bigint not null references tags on delete cascade,
      created_at timestamptz not null default now(),
      primary key (account_id, subscriber_id, tag_id)
    );
    create index subscriber_tags_tag on subscriber_tags (account_id, tag_id, subscriber_id);

    create table custom_fields (
      id bigint generated always as identity primary key,
      account_id bigint not null references accounts on delete cascade,
      public_id text not null default new_public_id(),
      list_id bigint references lists on delete cascade,
      name text not null,
      type text not null check (type in ('string', 'number', 'boolean', 'date', 'dropdown')),
      options text[] not null default '{}',
      required boolean not null default false,
      default_value jsonb,
      visible boolean not null default true,
      description text,
      group_id bigint references custom_fields on delete cascade,
      merge_tag text not null,
      column_name text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index custom_fields_name on custom_fields (account_id, coalesce(list_id, 0), lower(name));
    create unique index custom_fields_public_id on custom_fields (account_id, public_id);

    create table blocklist (
      id bigint generated always as identity primary key,
      account_id bigint not null references accounts on delete cascade,
      public_id text not null default new_public_id(),
      email text not null,
      reason text,
      created_at timestamptz not null default now()
    );
    create unique index blocklist_email on blocklist (account_id, lower(email));
    create unique index blocklist_public_id on blocklist (account_id, public_id);

    create table campaigns (
      id bigint generated always as identity primary key,
      account_id bigint not null references accounts on delete cascade,
      public_id text not null default new_public_id(),
      name text not null,
      channel text not null default 'email' check (channel in ('email', 'sms', 'whatsapp')),
      subject text,
      body text,
      status text not null default 'draft'
        check (status in ('draft', 'scheduled', 'sending', 'completed', 'failed')),
      list_ids bigint[] not null default '{}',
      tag_ids bigint[] not null default '{}',
      scheduled_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index campaigns_public_id on campaigns (account_id, public_id);
    create index campaigns_page on campaigns (account_id, id);

    create table imports (
      id bigint generated always as identity primary key,
      account_id bigint not null references accounts on delete cascade,
      public_id text not null default new_public_id(),
      status text not null default 'queued'
        check (status in ('queued', 'running', 'completed', 'failed')),
      source text not null,
      filename text,
      list_id bigint references lists on delete set null,
      update_existing boolean not null default true,
      total integer not null default 0,
      created integer not null default 0,
      updated integer not null default 0,
      invalid integer not null default 0,
      processed integer not null default 0,
      failure text,
      created_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz
    );
    create unique index imports_public_id on imports (account_id, public_id);
    create index imports_page on imports (account_id, id);

    -- The uploaded file, kept in the database so that any worker process can run the import.
    create table import_chunks (
      account_id bigint not null,
      import_id bigint not null references imports on delete cascade,
      seq integer not null,
      data bytea not null,
      primary key (account_id, import_id, seq)
    );
    -- Kept only while the import runs: compressing it costs more time than the space is worth.
    alter table import_chunks alter column data set storage external;

    -- Parsed rows between the COPY and the one set-based upsert; emptied when the import ends.
    create unlogged table import_rows (
      account_id bigint not null,
      import_id bigint not null,
      row_number integer not null,
      email text not null,
      first_name text,
      last_name text,
      phone text,
      timezone text,
      custom_values jsonb not null default '{}'
    );
    create index import_rows_import on import_rows (account_id, import_id, row_number);

    create table import_errors (
      account_id bigint not null,
      import_id bigint not null references imports on delete cascade,
      row_number integer not null,
      email text,
      message text not null,
      primary key (account_id, import_id, row_number)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table if exists import_errors, import_rows, import_chunks, imports, campaigns, blocklist,
      custom_fields, subscriber_tags, tags, subscriptions, lists, subscribers, api_keys, accounts;
    drop function if exists new_public_id();
  `.execute(db);
}
