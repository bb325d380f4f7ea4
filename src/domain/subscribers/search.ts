import { sql } from "kysely";
import type { Context } from "../context.js";
import type { ContactRow } from "./keyset.js";

// Fuzzy search of contacts across name, email and phone (botbat's /v1/contacts/search), by
// pg_trgm's word similarity between the query and contact_search_text(first_name, last_name,
// email, phone) (migration 0012: "first last email phone-digits", lower case), whose GIN index
// starts with account_id. Word similarity asks how well the query matches some stretch of the
// text, so "jon smyth" finds "john smith john.smith@example.com 14155550100", and a query
// that is a phone number (digits, spaces, + ( ) . - /) is compared by its digits alone.

/**
 * The least word similarity of a match (shared trigrams over all trigrams of the query and the
 * best stretch of the text): "jon smyth" ~ "john smith …" is 0.31, "jon smyth" ~ "mary jones …"
 * 0.23. pg_trgm's own default for similarity.
 */
export const SEARCH_THRESHOLD = 0.3;
/**
 * Matches considered per query: ranking takes the best of these, and `total` counts at most
 * this many. A query as loose as two letters matches most of a big account; reading and
 * ranking all of it would take seconds, and nobody pages through 10,000 fuzzy matches.
 */
export const MAX_CANDIDATES = 10_000;

const PHONE_LIKE = /^[\d\s+().\-/]+$/;

/** What the query is compared with: a phone-like query's digits; anything else in lower case. */
export function searchText(query: string): string {
  const trimmed = query.trim();
  const digits = trimmed.replace(/\D/g, "");
  if (PHONE_LIKE.test(trimmed) && digits.length >= 3) return digits;
  return trimmed.toLowerCase();
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

export async function searchContacts(
  ctx: Context,
  query: string,
  page: { after?: SearchPosition; limit: number },
): Promise<SearchPage> {
  const text = searchText(query);
  const accountId = ctx.account.id;
  const after = page.after
    ? sql`and (m.score < ${page.after.score}::real
          or (m.score = ${page.after.score}::real and m.id > ${page.after.id}::bigint))`
    : sql``;
  return ctx.db.transaction().execute(async (trx) => {
    // The operator <% takes its threshold from this setting, for this transaction only.
    await sql`select set_config('pg_trgm.word_similarity_threshold', ${String(SEARCH_THRESHOLD)}, true)`.execute(
      trx,
    );
    const { rows } = await sql<ScoredContact & { total: string }>`
      with matches as materialized (
        select s.id,
          word_similarity(${text}, contact_search_text(s.first_name, s.last_name, s.email, s.phone)) as score
        from subscribers s
        where s.account_id = ${accountId}
          and ${text} <% contact_search_text(s.first_name, s.last_name, s.email, s.phone)
        limit ${MAX_CANDIDATES}
      ), page as (
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
