import { type Kysely, sql } from "kysely";

// Quicker ways for botbat's contact search (src/domain/subscribers/search.ts), so that the
// trigram index of 0011 is read only when they find nothing. At 1,000,000 contacts that index
// costs 12–60 ms per query (its posting lists of common trigrams are long), these 0.1–1 ms.
// Expression indexes, not stored generated columns: adding a stored column rewrites the table
// (1,000,000 rows under an exclusive lock) and changes what `select *` returns; an index is only
// built. Every index starts with account_id, like every tenant index. Names with a typo need no
// index of their own: they are found through 0011's sound indexes (an index of each name's
// one-letter-less spellings, tried first, tripled the cost of inserting contacts).

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- An email by its beginning ("mary.jo" finds mary.jones@…) whatever the database's collation.
    create index subscribers_email_prefix on subscribers (account_id, lower(email) text_pattern_ops);

    -- A phone by its last digits, read backwards: "(415) 555-0100" finds +14155550100, whose
    -- digits end with 4155550100.
    create index subscribers_phone_suffix on subscribers (
      account_id, reverse(regexp_replace(phone, '[^0-9]', '', 'g')) text_pattern_ops
    ) where phone is not null;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop index if exists subscribers_phone_suffix;
    drop index if exists subscribers_email_prefix;
    -- A first version of this migration, committed for an hour on 2026-12-05, created these.
    drop index if exists subscribers_name_keys;
    drop function if exists contact_name_keys(text, text);
  `.execute(db);
}
