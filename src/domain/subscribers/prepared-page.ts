import { CompiledQuery } from "kysely";
import { prepared } from "../../db/prepared.js";
import type { SubscriberRow, TagRow } from "../../db/types.js";
import type { Context } from "../context.js";
import type { Page } from "../page.js";
import { pageSubscriberColumns, pageSubscribersWithTags, type SubscriberFilter } from "./page.js";

// The unfiltered page of subscribers a GraphQL plan reads most (a frontend's first screen, and
// the pages after it by cursor), as prepared statements written once per selection and page
// shape: the same rows and order as pageSubscriberColumns / pageSubscribersWithTags, without
// Kysely building the statement per request, and parsed and planned once per connection. A
// filtered page goes to those functions.

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * The statement of a page shape; `$1` is the account. The tags are aggregated for the whole page
 * at once (a hash join of its ids, grouped), not by a subquery per subscriber: Postgres spent
 * 2-3 times as long on the page with one aggregate subplan per row (pgbench, bench/README.md).
 */
function pageText(columns: readonly string[], tagColumns: readonly string[] | null, page: Page) {
  const selected = [...new Set(["id", ...columns])].map((name) => `"subscribers".${quoted(name)}`);
  let parameter = 1;
  const where = [`"subscribers"."account_id" = $1`];
  if (page.afterId !== undefined) where.push(`"subscribers"."id" > $${++parameter}`);
  if (page.beforeId !== undefined) where.push(`"subscribers"."id" < $${++parameter}`);
  const order = page.backward ? "desc" : "asc";
  const rows = `select ${selected.join(", ")} from "subscribers" where ${where.join(" and ")} order by "subscribers"."id" ${order} limit $${parameter + 1}`;
  if (!tagColumns) return prepared(rows);
  const values = tagColumns.map((name) => `"t".${quoted(name)}`).join(", ");
  return prepared(
    `with page as (${rows}), page_tags as (select st.subscriber_id, json_agg(json_build_array(${values}) order by t.name) as tag_values from subscriber_tags st join tags t on t.id = st.tag_id and t.account_id = st.account_id where st.account_id = $1 and st.subscriber_id in (select id from page) group by st.subscriber_id) select page.*, coalesce(page_tags.tag_values, '[]'::json) as "tag_values" from page left join page_tags on page_tags.subscriber_id = page.id order by page.id ${order}`,
  );
}

const unfiltered = (filter: SubscriberFilter) =>
  Object.values(filter).every((value) => value == null || value === "");

/**
 * Reads pages of subscribers with these columns (and each one's tags as `tag_values`, JSON
 * arrays of `tagColumns` by name, when given): made once per GraphQL plan.
 */
export function preparedSubscriberPages(
  columns: readonly (keyof SubscriberRow)[],
  tagColumns: readonly (keyof TagRow)[] | null,
): (ctx: Context, filter: SubscriberFilter, page: Page) => Promise<SubscriberRow[]> {
  const texts = new Map<string, string>();
  return async (ctx, filter, page) => {
    if (!unfiltered(filter)) {
      return (
        tagColumns
          ? pageSubscribersWithTags(ctx, filter, page, columns, tagColumns)
          : pageSubscriberColumns(ctx, filter, page, columns)
      ) as Promise<SubscriberRow[]>;
    }
    const shape = `${page.afterId !== undefined}${page.beforeId !== undefined}${page.backward}`;
    let text = texts.get(shape);
    if (text === undefined) {
      text = pageText(columns, tagColumns, page);
      texts.set(shape, text);
    }
    const parameters: unknown[] = [ctx.account.id];
    if (page.afterId !== undefined) parameters.push(page.afterId);
    if (page.beforeId !== undefined) parameters.push(page.beforeId);
    parameters.push(page.limit);
    const { rows } = await ctx.db.executeQuery<SubscriberRow>(CompiledQuery.raw(text, parameters));
    return rows;
  };
}

/** Reads one subscriber by public id with these columns (`id` always): made once per plan. */
export function preparedSubscriberById(
  columns: readonly (keyof SubscriberRow)[],
): (ctx: Context, publicId: string) => Promise<SubscriberRow | null> {
  const selected = [...new Set(["id", ...columns])].map((name) => `"subscribers".${quoted(name)}`);
  const text = prepared(
    `select ${selected.join(", ")} from "subscribers" where "subscribers"."account_id" = $1 and "subscribers"."public_id" = $2`,
  );
  return async (ctx, publicId) => {
    const { rows } = await ctx.db.executeQuery<SubscriberRow>(
      CompiledQuery.raw(text, [ctx.account.id, publicId]),
    );
    return rows[0] ?? null;
  };
}
