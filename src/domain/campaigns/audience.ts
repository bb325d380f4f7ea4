import { sql } from "kysely";
import type { ListRow, TagRow } from "../../db/types.js";
import type { Context, Queryable } from "../context.js";
import { NotFound } from "../errors.js";

// Who a campaign sends to: its lists and tags, kept as internal ids in `list_ids`/`tag_ids`.

type AudienceTable = "lists" | "tags";
const RESOURCE: Record<AudienceTable, string> = { lists: "List", tags: "Tag" };

/**
 * Internal ids of the account's lists (or tags) with these public ids, in the given order and
 * without repeats. An id that is not the account's is NotFound, like one that never existed.
 */
export async function internalIdsOf(
  db: Queryable,
  ctx: Context,
  table: AudienceTable,
  publicIds: readonly string[],
): Promise<string[]> {
  const wanted = [...new Set(publicIds)];
  if (wanted.length === 0) return [];
  const rows = await db
    .selectFrom(table)
    .select(["id", "public_id"])
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "in", wanted)
    .execute();
  const byPublicId = new Map(rows.map((row) => [row.public_id, row.id]));
  const missing = wanted.find((id) => !byPublicId.has(id));
  if (missing !== undefined) throw new NotFound(RESOURCE[table], missing);
  return wanted.map((id) => byPublicId.get(id) as string);
}

/**
 * The lists (or tags) of many campaigns in one statement, in each campaign's order. A list
 * deleted since the campaign was saved is simply no longer there.
 */
async function audienceOf<Row>(
  ctx: Context,
  table: AudienceTable,
  campaignIds: readonly string[],
): Promise<Row[][]> {
  if (campaignIds.length === 0) return [];
  const column = sql.ref(table === "lists" ? "c.list_ids" : "c.tag_ids");
  const { rows } = await sql<Row & { campaign_id: string }>`
    select t.*, c.id as campaign_id
    from campaigns c
    cross join lateral unnest(${column}) with ordinality as u(member_id, position)
    join ${sql.table(table)} t on t.account_id = c.account_id and t.id = u.member_id
    where c.account_id = ${ctx.account.id} and c.id = any(${[...campaignIds]}::bigint[])
    order by c.id, u.position`.execute(ctx.db);
  const byCampaign = new Map<string, Row[]>();
  for (const { campaign_id, ...row } of rows) {
    const members = byCampaign.get(campaign_id) ?? [];
    members.push(row as Row);
    byCampaign.set(campaign_id, members);
  }
  return campaignIds.map((id) => byCampaign.get(id) ?? []);
}

export const listsOfCampaigns = (ctx: Context, campaignIds: readonly string[]) =>
  audienceOf<ListRow>(ctx, "lists", campaignIds);

export const tagsOfCampaigns = (ctx: Context, campaignIds: readonly string[]) =>
  audienceOf<TagRow>(ctx, "tags", campaignIds);
