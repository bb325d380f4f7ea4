import type { SelectQueryBuilder } from "kysely";

/** A keyset page over a table's `id`: the rows after/before an id, at most `limit`. */
export interface Page {
  afterId?: string;
  beforeId?: string;
  limit: number;
  /** Read from the end (Relay `last`): rows come newest-id first. */
  backward: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: works on any table that has an `id` column
export function applyPage<QB extends SelectQueryBuilder<any, any, any>>(
  query: QB,
  column: string,
  page: Page,
): QB {
  let q = query;
  if (page.afterId !== undefined) q = q.where(column, ">", page.afterId) as QB;
  if (page.beforeId !== undefined) q = q.where(column, "<", page.beforeId) as QB;
  return q.orderBy(column, page.backward ? "desc" : "asc").limit(page.limit) as QB;
}

/**
 * A page by position rather than by cursor, for surfaces whose clients ask for "page 3 of 10
 * items" (REST dialects): skip `offset` rows, return at most `limit`.
 */
export interface OffsetPage {
  offset: number;
  limit: number;
}

/** One page of rows and how many rows match in all. */
export interface Counted<Row> {
  rows: Row[];
  total: number;
}

/**
 * The rows `query` selects, ordered by `column` (oldest first: pages stay stable while rows are
 * added), at `page`; and the count of every row it matches, from the same filters.
 */
export async function offsetPage<Row>(
  // biome-ignore lint/suspicious/noExplicitAny: works on any filtered selection with an id column
  query: SelectQueryBuilder<any, any, Row>,
  column: string,
  page: OffsetPage,
): Promise<Counted<Row>> {
  const [rows, { count }] = await Promise.all([
    query.orderBy(column).limit(page.limit).offset(page.offset).execute(),
    query
      .clearSelect()
      .select((eb) => eb.fn.countAll<string>().as("count"))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows: rows as Row[], total: Number(count) };
}
