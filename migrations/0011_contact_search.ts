import { type Kysely, sql } from "kysely";

// botbat's fuzzy contact search (GET /v1/contacts/search): one text per subscriber made of its
// name, email and the digits of its phone, searched by trigram word similarity (pg_trgm), with a
// GIN index that starts with account_id (btree_gin) like every tenant index; and the sound of
// its first and last names (fuzzystrmatch's double metaphone) in two btree indexes. The three
// extensions are trusted: a database owner without superuser may create them.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create extension if not exists pg_trgm;
    create extension if not exists btree_gin;

    -- What the search compares a query with: lower-case "first last email phone-digits". A phone
    -- keeps only its digits, so "(415) 555-0100" and "+1 415 555 0100" meet "+14155550100".
    -- Immutable (every part is), so an index may hold it; a SQL function the planner inlines, so
    -- a query written with it matches the index.
    create function contact_search_text(first_name text, last_name text, email text, phone text)
      returns text
      language sql immutable parallel safe
      return lower(
        coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, '')
        || ' ' || coalesce(regexp_replace(phone, '[^0-9]', '', 'g'), '')
      );

    create index subscribers_search on subscribers using gin (
      account_id,
      contact_search_text(first_name, last_name, email, phone) gin_trgm_ops
    );

    -- Names by their sound (double metaphone): "jon smyth" sounds like "john smith". A loose
    -- trigram match finds the same people only among tens of thousands of common names.
    create extension if not exists fuzzystrmatch;
    create index subscribers_first_sound on subscribers (
      account_id, dmetaphone(coalesce(first_name, ''))
    );
    create index subscribers_last_sound on subscribers (
      account_id, dmetaphone(coalesce(last_name, '')), dmetaphone(coalesce(first_name, ''))
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index if exists subscribers_last_sound;
    drop index if exists subscribers_first_sound;
    drop index if exists subscribers_search;
    drop function if exists contact_search_text(text, text, text, text);
  `.execute(db);
}
