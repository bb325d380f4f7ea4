import { type RawBuilder, sql } from "kysely";
import type { Context } from "../context.js";
import type { ContactRow } from "./keyset.js";

// Fuzzy search of contacts across name, email and phone (botbat's /v1/contacts/search). Two
// ways find candidates, each through an index that starts with account_id (migration 0011):
//
// - a query of words (letters, spaces, ' and -) is a name: contacts whose first and last names
//   sound like its first and last words (either order), or, for one word, whose first or last
//   name sounds like it (fuzzystrmatch's double metaphone: "jon smyth" sounds like "john smith");
// - a query of anything else (an email, a phone), or a name that sounds like fewer than
//   FEW_BY_SOUND contacts, is compared by pg_trgm's word similarity with
//   contact_search_text(first, last, email, phone) ("first last email phone-digits", lower
//   case). A phone-like query (digits, spaces, + ( ) . - /) is compared by its digits alone.
//
// Candidates are ranked by how alike the query and the contact are: the greater of the word
// similarity to that text and the similarity to the full name. A loose trigram threshold
// ("jon smyth" ~ "john smith" is 0.31) matched 20,000 of 1,000,000 contacts with common names
// and took 0.5–2 s to rank; the names' sounds find the same people among a handful of rows.

/**
 * The least word similarity of a trigram match, per kind of query. Looser thresholds matched
 * hundreds of "Michael …" for "michael michford" and cost 100-300 ms at 1,000,000 contacts; a
 * phone's digits keep 0.6 so that "+1 212-555-0199" meets "(212) 555-0199" (0.64).
 */
export const THRESHOLDS: Readonly<Record<QueryKind, number>> = {
  words: 0.75,
  phone: 0.6,
  other: 0.7,
};
/** Below this many contacts found by sound, trigram matches are added (typos that change sound). */
export const FEW_BY_SOUND = 100;
/**
 * Candidates taken per way: ranking takes the best of these, and `total` counts at most twice
 * this many. "john" sounds like 2 % of an account; nobody pages through thousands of Johns.
 */
export const MAX_CANDIDATES = 1_000;

const PHONE_LIKE = /^[\d\s+().\-/]+$/;
const WORDS = /^[\p{L}\s'-]+$/u;

export type QueryKind = "words" | "phone" | "other";

/** What the query is compared with, and what kind of query it is. */
export function searchText(query: string): { text: string; kind: QueryKind } {
  const trimmed = query.trim();
  const digits = trimmed.replace(/\D/g, "");
  if (PHONE_LIKE.test(trimmed) && digits.length >= 3) return { text: digits, kind: "phone" };
  const text = trimmed.toLowerCase().replace(/\s+/g, " ");
  return { text, kind: WORDS.test(text) ? "words" : "other" };
}

export interface SearchPosition {
  /** The score and internal id of the last row of the previous page. */
  score: number;
  id: string;
}

export type ScoredContact = ContactRow & { score: number };

export interface SearchPage {
  /** At most limit + 1 rows, best first (then oldest first). */
  rows: ScoredContact[];
  total: number;
}

const FIRST = sql`dmetaphone(coalesce(s.first_name, ''))`;
const LAST = sql`dmetaphone(coalesce(s.last_name, ''))`;
const DOC = sql`contact_search_text(s.first_name, s.last_name, s.email, s.phone)`;
const NAME = sql`lower(coalesce(s.first_name, '') || ' ' || coalesce(s.last_name, ''))`;

/** Contacts whose names sound like the query's words (see the top of this file). */
function soundsLike(text: string): RawBuilder<boolean> {
  const words = text.split(/[\s-]+/).filter((word) => /\p{L}/u.test(word));
  const [first] = words;
  const last = words.at(-1) ?? first;
  if (words.length <= 1)
    return sql<boolean>`(${FIRST} = dmetaphone(${first}) or ${LAST} = dmetaphone(${first}))`;
  return sql<boolean>`((${FIRST} = dmetaphone(${first}) and ${LAST} = dmetaphone(${last}))
    or (${FIRST} = dmetaphone(${last}) and ${LAST} = dmetaphone(${first})))`;
}

export async function searchContacts(
  ctx: Context,
  query: string,
  page: { after?: SearchPosition; limit: number },
): Promise<SearchPage> {
  const { text, kind } = searchText(query);
  const accountId = ctx.account.id;
  const after = page.after
    ? sql`and (m.score < ${page.after.score}::real
          or (m.score = ${page.after.score}::real and m.id > ${page.after.id}::bigint))`
    : sql``;
  const byWords = kind === "words";
  const bySound = byWords
    ? sql`select s.id from subscribers s
        where s.account_id = ${accountId} and ${soundsLike(text)} limit ${MAX_CANDIDATES}`
    : sql`select null::bigint as id where false`;
  // A name's trigram matches are only looked for when its sound found few contacts: the
  // condition is a one-time filter, so the index is not even read otherwise.
  const fewBySound = byWords ? sql`and (select count(*) from by_sound) < ${FEW_BY_SOUND}` : sql``;
  const threshold = THRESHOLDS[kind];
  return ctx.db.transaction().execute(async (trx) => {
    // The operator <% takes its threshold from this setting, for this transaction only.
    await sql`select set_config('pg_trgm.word_similarity_threshold', ${String(threshold)}, true)`.execute(
      trx,
    );
    const { rows } = await sql<ScoredContact & { total: string }>`
      with by_sound as materialized (${bySound}),
      by_trigrams as materialized (
        select s.id from subscribers s
        where s.account_id = ${accountId} and ${text} <% ${DOC} ${fewBySound}
        limit ${MAX_CANDIDATES}
      ),
      matches as materialized (
        select s.id, greatest(word_similarity(${text}, ${DOC}), similarity(${text}, ${NAME})) as score
        from (select id from by_sound union select id from by_trigrams) c
        join subscribers s on s.account_id = ${accountId} and s.id = c.id
      ),
      page as (
        select m.id, m.score from matches m
        where true ${after}
        order by m.score desc, m.id
        limit ${page.limit + 1}
      )
      -- One row even when the page is empty (a cursor past the last match): the count's.
      select c.total, x.*
      from (select count(*) as total from matches) c
      left join lateral (
        select p.score, s.id, s.public_id, s.email, s.first_name, s.last_name, s.phone, s.status,
          s.custom_values, s.sandbox, s.created_at, s.updated_at,
          (select coalesce(json_agg(t.name order by t.name), '[]'::json)
            from subscriber_tags st
            join tags t on t.id = st.tag_id and t.account_id = st.account_id
            where st.account_id = ${accountId} and st.subscriber_id = s.id) as tag_names
        from page p
        join subscribers s on s.account_id = ${accountId} and s.id = p.id
      ) x on true
      order by x.score desc, x.id
    `.execute(trx);
    const total = rows.length > 0 ? Number(rows[0].total) : 0;
    return {
      rows: rows.filter((row) => row.id !== null).map(({ total: _, ...row }) => row),
      total,
    };
  });
}
