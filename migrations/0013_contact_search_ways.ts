import { type Kysely, sql } from "kysely";

// Quicker ways for botbat's contact search (src/domain/subscribers/search.ts), so that the
// trigram index of 0011 is read only when they find nothing. At 1,000,000 contacts that index
// costs 8–30 ms per query (its posting lists of common trigrams are long), these 0.1–5 ms.
// Expression indexes, not stored generated columns: adding a stored column rewrites the table
// (1,000,000 rows under an exclusive lock) and changes what `select *` returns; an index is only
// built. Every index starts with account_id, like every tenant index.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- A name's words (lower case, split on spaces and hyphens) and, for words of 4 letters or
    -- more, each of them with one letter left out. Two spellings one typo apart (a letter left
    -- out, added, changed, or two swapped) share a key: "smthson" is Smithson without its i,
    -- "jaes" James without its m. A typo can change a name's sound ("jaes" is JS, James JMS),
    -- so the sound indexes of 0011 miss what these keys find.
    create function contact_name_keys(first_name text, last_name text)
      returns text[]
      language sql immutable parallel safe
      return array(
        select distinct key
        from regexp_split_to_table(
          lower(coalesce(first_name, '') || ' ' || coalesce(last_name, '')), '[\\s-]+'
        ) word
        cross join lateral (
          select word as key
          union all
          select left(word, i - 1) || substr(word, i + 1)
          from generate_series(1, length(word)) i
          where length(word) >= 4
        ) keys
        where word <> ''
      );

    create index subscribers_name_keys on subscribers using gin (
      account_id, contact_name_keys(first_name, last_name)
    );

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
    drop index if exists subscribers_name_keys;
    drop function if exists contact_name_keys(text, text);
  `.execute(db);
}
