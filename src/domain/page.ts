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
