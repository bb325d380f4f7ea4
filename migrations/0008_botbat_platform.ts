import { type Kysely, sql } from "kysely";

// The /v1 platform (botbat): sandbox keys and what they create, idempotent POSTs, and the
// counters of per-key rate limits shared by every process.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- A sandbox key works on its account like any key; what it creates says so, and nothing it
    -- sends leaves the system.
    alter table api_keys add column sandbox boolean not null default false;
    alter table subscribers add column sandbox boolean not null default false;
    alter table imports add column sandbox boolean not null default false;

    -- The first answer to a POST with an Idempotency-Key, replayed to its retries for 24 hours.
    -- status_code is null while the first request runs. Keys belong to one API key: two keys of
    -- an account (a sandbox and a live one) never answer each other's retries.
    create table idempotency_keys (
      id bigint generated always as identity primary key,
      account_id bigint not null references accounts on delete cascade,
      api_key_id bigint not null references api_keys on delete cascade,
      key text not null,
      fingerprint text not null,
      status_code integer,
      response_body text,
      response_type text,
      -- The headers a replay must carry too (the Location of a 202 import).
      response_headers jsonb,
      created_at timestamptz not null default now(),
      finished_at timestamptz
    );
    create unique index idempotency_keys_key on idempotency_keys (account_id, api_key_id, key);

    -- rate-limiter-flexible's Postgres store, in its own shape (it is told the table exists).
    -- Not a tenant table: its key names the API key and the endpoint. Every /v1 request writes
    -- it: unlogged, its upsert commits without waiting for a WAL flush (on the embedded server at
    -- load 7-8: 0.67-1.17 ms -> 0.23-0.43 ms per upsert). Counters are worth losing: a crash of
    -- Postgres empties the table (every key starts a fresh window) and standbys do not have it.
    create unlogged table rate_limits (
      key varchar(255) primary key,
      points integer not null default 0,
      expire bigint
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop table rate_limits;
    drop table idempotency_keys;
    alter table imports drop column sandbox;
    alter table subscribers drop column sandbox;
    alter table api_keys drop column sandbox;
  `.execute(db);
}
