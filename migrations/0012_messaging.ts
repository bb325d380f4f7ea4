import { type Kysely, sql } from "kysely";

// Messaging: agents of an account, templates (WhatsApp ones go through the provider's approval),
// campaigns that send, one message per contact per send, and the conversation (thread) with one
// contact on one channel. Every index starts with account_id but one: a provider's status report
// names only its own message id, so messages are also found by (channel, provider_message_id).

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table agents (
      id bigint generated always as identity primary key,
      account_id bigint not null references accounts on delete cascade,
      public_id text not null default new_public_id(),
      name text not null,
      email text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index agents_public_id on agents (account_id, public_id);
    create unique index agents_email on agents (account_id, lower(email));

    -- body holds variables: positional {{1}} (WhatsApp's) and named {{first_name}} (a subscriber
    -- field or custom field); samples holds an example value for each, which WhatsApp's review
    -- requires. SMS and email templates are approved at creation; a WhatsApp one starts as a draft.
    create table templates (
      id bigint generated always as identity primary key,
      account_id bigint not null references accounts on delete cascade,
      public_id text not null default new_public_id(),
      channel text not null check (channel in ('email', 'sms', 'whatsapp')),
      name text not null,
      language text not null default 'en',
      category text check (category in ('marketing', 'utility', 'authentication')),
      subject text,
      body text not null,
      samples jsonb not null default '{}',
      status text not null default 'draft'
        check (status in ('draft', 'pending', 'approved', 'rejected', 'paused', 'disabled')),
      status_reason text,
      provider_template_id text,
      sandbox boolean not null default false,
      submitted_at timestamptz,
      status_changed_at timestamptz not null default now(),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index templates_public_id on templates (account_id, public_id);
    create unique index templates_name on templates (account_id, channel, lower(name), language);
    create index templates_page on templates (account_id, id);

    -- A campaign sends its template (with variables: positional number or name → a value that
    -- may itself hold {{named}} variables of each subscriber) or its own body.
    alter table campaigns
      add column template_id bigint references templates on delete restrict,
      add column variables jsonb not null default '{}',
      add column sandbox boolean not null default false,
      add column started_at timestamptz,
      -- Set when every subscriber of the audience has its message (the fan-out is done).
      add column audience_done_at timestamptz,
      add column completed_at timestamptz,
      add column failure_reason text;
    create index campaigns_status on campaigns (account_id, status, id);

    -- One thread per contact per channel: the first message either way opens it.
    create table conversations (
      id bigint generated always as identity primary key,
      account_id bigint not null references accounts on delete cascade,
      public_id text not null default new_public_id(),
      subscriber_id bigint not null references subscribers on delete cascade,
      channel text not null check (channel in ('email', 'sms', 'whatsapp')),
      status text not null default 'open'
        check (status in ('open', 'pending', 'snoozed', 'resolved')),
      snoozed_until timestamptz,
      assignee_id bigint references agents on delete set null,
      sandbox boolean not null default false,
      last_message_at timestamptz,
      resolved_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check ((status = 'snoozed') = (snoozed_until is not null))
    );
    create unique index conversations_public_id on conversations (account_id, public_id);
    create unique index conversations_thread on conversations (account_id, subscriber_id, channel);
    create index conversations_status on conversations (account_id, status, id);
    create index conversations_assignee on conversations (account_id, assignee_id, id);

    -- Outbound messages start queued; inbound ones are 'received'. Each status has its time.
    create table messages (
      id bigint generated always as identity primary key,
      account_id bigint not null references accounts on delete cascade,
      public_id text not null default new_public_id(),
      subscriber_id bigint not null references subscribers on delete cascade,
      conversation_id bigint references conversations on delete cascade,
      campaign_id bigint references campaigns on delete cascade,
      template_id bigint references templates on delete set null,
      channel text not null check (channel in ('email', 'sms', 'whatsapp')),
      direction text not null default 'outbound' check (direction in ('outbound', 'inbound')),
      -- The address it went to or came from (email, E.164 phone), as it was then.
      address text not null,
      subject text,
      body text not null,
      variables jsonb not null default '{}',
      status text not null default 'queued'
        check (status in ('queued', 'sent', 'delivered', 'read', 'failed', 'received')),
      queued_at timestamptz not null default now(),
      sent_at timestamptz,
      delivered_at timestamptz,
      read_at timestamptz,
      failed_at timestamptz,
      received_at timestamptz,
      failure_reason text,
      provider_message_id text,
      attempts integer not null default 0,
      sandbox boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index messages_public_id on messages (account_id, public_id);
    -- A campaign sends each subscriber at most once, whatever a retried fan-out job does.
    create unique index messages_campaign_subscriber on messages (account_id, campaign_id, subscriber_id)
      where campaign_id is not null;
    create index messages_campaign_status on messages (account_id, campaign_id, status)
      where campaign_id is not null;
    create index messages_conversation on messages (account_id, conversation_id, id);
    create index messages_subscriber on messages (account_id, subscriber_id, id);
    create unique index messages_provider_id on messages (channel, provider_message_id)
      where provider_message_id is not null;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table messages;
    drop table conversations;
    drop index campaigns_status;
    alter table campaigns
      drop column template_id, drop column variables, drop column sandbox, drop column started_at,
      drop column audience_done_at, drop column completed_at, drop column failure_reason;
    drop table templates;
    drop table agents;
  `.execute(db);
}
