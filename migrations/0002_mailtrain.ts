import { type Kysely, sql } from "kysely";

// What the mailtrain dialect needs beyond the audience model:
// - the list settings Mailtrain's GET /api/list/:id shows (defaults are Mailtrain's own for a
//   new list: no default form, public subscription on, one-step unsubscribe, List-Unsubscribe
//   header on);
// - Mailtrain's own field type beside the shared `type` (text, website, gpg… are all `string`
//   to GraphQL), and a group's template;
// - pending double opt-in confirmations: the subscribe request waits here until its link is
//   followed.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table lists
      add column default_form bigint,
      add column public_subscribe boolean not null default true,
      add column unsubscription_mode smallint not null default 0
        check (unsubscription_mode between 0 and 4),
      add column listunsubscribe_disabled boolean not null default false;

    alter table custom_fields
      add column mailtrain_type text check (mailtrain_type in (
        'text', 'website', 'longtext', 'gpg', 'number', 'radio', 'checkbox', 'dropdown',
        'date-us', 'date-eur', 'birthday-us', 'birthday-eur', 'json', 'option')),
      add column group_template text;

    create table subscription_confirmations (
      id bigint generated always as identity primary key,
      account_id bigint not null references accounts on delete cascade,
      public_id text not null default new_public_id(),
      list_id bigint not null references lists on delete cascade,
      email text not null,
      -- The subscribe request, applied when the link is followed.
      request jsonb not null default '{}',
      created_at timestamptz not null default now(),
      expires_at timestamptz not null default now() + interval '30 days',
      confirmed_at timestamptz
    );
    -- The link carries the confirmation id alone (as Mailtrain's did), so it is found without
    -- the account: the one index here that does not start with account_id.
    create unique index subscription_confirmations_public_id
      on subscription_confirmations (public_id);
    create index subscription_confirmations_list
      on subscription_confirmations (account_id, list_id);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table if exists subscription_confirmations;
    alter table custom_fields drop column mailtrain_type, drop column group_template;
    alter table lists
      drop column default_form, drop column public_subscribe, drop column unsubscription_mode,
      drop column listunsubscribe_disabled;
  `.execute(db);
}
