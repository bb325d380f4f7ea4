import { type RawBuilder, sql } from "kysely";
import type { Context } from "../context.js";
import type { ContactRow } from "./keyset.js";

// Fuzzy search of contacts across name, email and phone (botbat's /v1/contacts/search). Quick
// ways find candidates first, each through an index that starts with account_id (migrations
// 0011 and 0013):
//
// - a query of words (letters, spaces, ' and -) is a name: contacts whose first and last names
//   sound like its first and last words, either order (fuzzystrmatch's double metaphone: "jon
//   smyth" sounds like "john smith"), or, for one word, whose first or last name sounds like it;
//   when the sound finds fewer than FEW_BY_SOUND, also contacts with one name a typo away from
//   one word and the other sounding like the other word (a letter left out, added, changed, or
//   two swapped: "jaes smithson", which does not sound like James Smithson, still finds him;
//   through the same sound index, see typoAway) and, for one word, emails that begin with it;
// - any other query but a phone (no spaces) is the beginning of an email: "mary.jo" finds
//   mary.jones@…; one with an @ is compared up to its @, so a typo in the domain still finds it;
// - a phone-like query (digits, spaces, + ( ) . - /) is the end of a phone's digits:
//   "(415) 555-0100" finds +14155550100.
//
// Only when the quick ways find nothing is the query compared by pg_trgm's word similarity with
// contact_search_text(first, last, email, phone) ("first last email phone-digits", lower case; a
// phone by its digits alone; an email by its local part): a typo inside an email's local part, a
// fragment of a domain, a phone stored without the country code the query has. That is a second
// statement, in a transaction of its own for its threshold; the quick ways are one statement.
//
// Candidates are ranked by how alike the query and the contact are: the greater of the word
// similarity to that text and the similarity to the full name, computed once per candidate.
//
// Why (EXPLAIN ANALYZE at 1,000,000 contacts in one account, bench/README.md): the trigram index
// cost 12 ms for a phone's digits and 25–60 ms for a name or an email, its posting lists of
// common trigrams being long; the quick ways cost 0.1–6 ms. A trigram index on the names alone
// still took 16 ms; a name's sound plus a trigram filter of the other name read ~1,000 (last
// names) to 20,000 (first names) rows. A GIN index of each name's spellings with one letter
// left out found typos in 1–3 ms but tripled the cost of inserting contacts; the sounds of the
// query word's spellings a typo away need no index of their own. Expression indexes rather than
// stored generated columns: a stored column rewrites the table, and the expressions are cheap on
// the few rows found. A loose trigram threshold ("jon smyth" ~ "john smith" is 0.31) matched
// 20,000 contacts with common names and took 0.5–2 s to rank.

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
/** Below this many contacts found by sound, names one typo away are added (typos that change sound). */
export const FEW_BY_SOUND = 100;
/**
 * Candidates taken per way: ranking takes the best of these, and `total` counts at most those.
 * "john" sounds like 2 % of an account; nobody pages through thousands of Johns.
 */
export const MAX_CANDIDATES = 1_000;

/** An email's local part (3 characters or more), then its @. */
const LOCAL_PART = /^([^@\s]{3,})@/;
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
const FIRST_NAME = sql`lower(coalesce(s.first_name, ''))`;
const LAST_NAME = sql`lower(coalesce(s.last_name, ''))`;
/** The phone's digits, last first: its ending is the beginning of this (migration 0013's index). */
const PHONE_BACKWARDS = sql`reverse(regexp_replace(s.phone, '[^0-9]', '', 'g'))`;

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

/** A word's spellings one typo away: a letter left out, added or changed, or two swapped. */
export function oneTypoAway(word: string): string[] {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  const spellings = new Set<string>();
  for (let i = 0; i <= word.length; i++) {
    const [before, after] = [word.slice(0, i), word.slice(i)];
    for (const letter of letters) spellings.add(before + letter + after);
    if (after.length === 0) continue;
    spellings.add(before + after.slice(1));
    for (const letter of letters) spellings.add(before + letter + after.slice(1));
    if (after.length > 1) spellings.add(before + after[1] + after[0] + after.slice(2));
  }
  return [...spellings];
}

/**
 * Contacts with one name a typo away from one of the query's first and last words and the other
 * name sounding like the other word, either order. A typo can change a sound ("jaes" is JS,
 * James JMS), but the name is one of the word's spellings a typo away, so its sound is one of
 * theirs: those few sounds (50 for "hery") are looked up in 0011's index on (account_id, last
 * sound, first sound), and the name is then checked against the spellings themselves.
 */
function typoAway(accountId: string, text: string): RawBuilder<unknown> {
  const words = text.split(/[\s-]+/).filter((word) => /\p{L}/u.test(word));
  if (words.length < 2) return NONE;
  const [first] = words;
  const last = words.at(-1) ?? first;
  const near = (word: string) => {
    const spellings = oneTypoAway(word);
    return {
      spellings: sql`${spellings}::text[]`,
      // Cast: `= any((select …))` would compare with each row of the select, not the array.
      sounds: sql`(select array_agg(distinct dmetaphone(v)) from unnest(${spellings}::text[]) v)::text[]`,
    };
  };
  const [a, b] = [near(first), near(last)];
  return sql`select s.id from subscribers s
    where s.account_id = ${accountId} and (
      (${LAST} = dmetaphone(${last}) and ${FIRST} = any(${a.sounds}) and ${FIRST_NAME} = any(${a.spellings}))
      or (${FIRST} = dmetaphone(${first}) and ${LAST} = any(${b.sounds}) and ${LAST_NAME} = any(${b.spellings}))
      or (${LAST} = dmetaphone(${first}) and ${FIRST} = any(${b.sounds}) and ${FIRST_NAME} = any(${b.spellings}))
      or (${FIRST} = dmetaphone(${last}) and ${LAST} = any(${a.sounds}) and ${LAST_NAME} = any(${a.spellings})))
      and (select count(*) from by_sound) < ${FEW_BY_SOUND}
    limit ${MAX_CANDIDATES}`;
}

const NONE = sql`select null::bigint as id where false`;

/**
 * The account's rows, checked on the rows the trigram index found rather than in the index: its
 * account_id key lists every contact of the account, and reading 1,000,000 of them cost 8 ms
 * more (the planner chose it in this statement). A GIN index takes no `= any(array)`, so the
 * condition stays a filter.
 */
function inAccountAfterGin(accountId: string): RawBuilder<boolean> {
  return sql<boolean>`s.account_id = any(array[${accountId}]::bigint[])`;
}

/** The quick ways' candidates for this query (see the top of this file). */
function quickCandidates(accountId: string, text: string, kind: QueryKind): RawBuilder<unknown> {
  if (kind === "phone")
    return sql`select s.id from subscribers s
      where s.account_id = ${accountId} and s.phone is not null
        and ${PHONE_BACKWARDS} like ${`${[...text].reverse().join("")}%`}
      limit ${MAX_CANDIDATES}`;
  // An email's local part and its @, without the domain: a typo in the domain still finds it.
  const beginning = LOCAL_PART.exec(text)?.[0] ?? text;
  const emailPrefix = sql`select s.id from subscribers s
    where s.account_id = ${accountId}
      and lower(s.email) like ${`${beginning.replace(/[\\%_]/g, "\\$&")}%`}
    limit ${MAX_CANDIDATES}`;
  if (kind === "other") return text.includes(" ") ? NONE : emailPrefix;
  // A name's typos, and an email's beginning, are looked for only when its sound found few: the
  // condition is a one-time filter, so their indexes are not even read otherwise.
  const few = sql`(select count(*) from by_sound) < ${FEW_BY_SOUND}`;
  return sql`
    with by_sound as materialized (
      select s.id from subscribers s
      where s.account_id = ${accountId} and ${soundsLike(text)} limit ${MAX_CANDIDATES}
    )
    select id from by_sound
    union
    (${typoAway(accountId, text)})
    union
    select id from (${text.includes(" ") ? NONE : emailPrefix}) e where ${few}`;
}

/**
 * The trigram way's candidates, under the kind's threshold (set in the same transaction). An
 * email is compared by its local part: its domain's trigrams ("exa", "com") are in nearly every
 * contact, and reading their lists cost 100 ms at 1,000,000 contacts.
 */
function trigramCandidates(accountId: string, text: string): RawBuilder<unknown> {
  const compared = LOCAL_PART.exec(text)?.[1] ?? text;
  return sql`select s.id from subscribers s
    where ${inAccountAfterGin(accountId)} and ${compared} <% ${DOC}
    limit ${MAX_CANDIDATES}`;
}

/** One statement: the candidates ranked, the page after the position, and their count. */
async function rankedPage(
  db: Context["db"],
  accountId: string,
  text: string,
  candidates: RawBuilder<unknown>,
  page: { after?: SearchPosition; limit: number },
): Promise<SearchPage> {
  const after = page.after
    ? sql`and (m.score < ${page.after.score}::real
          or (m.score = ${page.after.score}::real and m.id > ${page.after.id}::bigint))`
    : sql``;
  const { rows } = await sql<ScoredContact & { total: string }>`
    with matches as materialized (
      select s.id, greatest(word_similarity(${text}, ${DOC}), similarity(${text}, ${NAME})) as score
      from (${candidates}) c
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
  `.execute(db);
  const total = rows.length > 0 ? Number(rows[0].total) : 0;
  return {
    rows: rows.filter((row) => row.id !== null).map(({ total: _, ...row }) => row),
    total,
  };
}

export async function searchContacts(
  ctx: Context,
  query: string,
  page: { after?: SearchPosition; limit: number },
): Promise<SearchPage> {
  const { text, kind } = searchText(query);
  const accountId = ctx.account.id;
  // One statement when a quick way finds the query (most do); the trigram way only otherwise.
  // The cursor's page follows the same way: what the first page found is still there.
  const quick = await rankedPage(
    ctx.db,
    accountId,
    text,
    quickCandidates(accountId, text, kind),
    page,
  );
  if (quick.total > 0) return quick;
  return ctx.db.transaction().execute(async (trx) => {
    // The operator <% takes its threshold from this setting, for this transaction only.
    await sql`select set_config('pg_trgm.word_similarity_threshold', ${String(THRESHOLDS[kind])}, true)`.execute(
      trx,
    );
    return rankedPage(trx, accountId, text, trigramCandidates(accountId, text), page);
  });
}
