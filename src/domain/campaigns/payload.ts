import { sql } from "kysely";
import type { CampaignRow } from "../../db/types.js";
import type { Queryable } from "../context.js";
import { type CampaignStats, statsOfCampaigns } from "./stats.js";

// A campaign as botbat and the campaign.status_changed event show it: snake_case, public ids
// (its lists, tags and template), and its stats.

export interface CampaignRefs {
  listIds: string[];
  tagIds: string[];
  templateId: string | null;
}

/** The public ids each campaign refers to, in one statement (a list deleted since is left out). */
export async function refsOfCampaigns(
  db: Queryable,
  accountId: string,
  campaigns: readonly Pick<CampaignRow, "id">[],
): Promise<CampaignRefs[]> {
  if (campaigns.length === 0) return [];
  const { rows } = await sql<{
    id: string;
    list_ids: string[];
    tag_ids: string[];
    template_id: string | null;
  }>`
    select c.id,
      array(select l.public_id from unnest(c.list_ids) with ordinality u(id, position)
        join lists l on l.account_id = c.account_id and l.id = u.id order by u.position) as list_ids,
      array(select t.public_id from unnest(c.tag_ids) with ordinality u(id, position)
        join tags t on t.account_id = c.account_id and t.id = u.id order by u.position) as tag_ids,
      (select public_id from templates
        where account_id = c.account_id and id = c.template_id) as template_id
    from campaigns c
    where c.account_id = ${accountId} and c.id = any(${campaigns.map((c) => c.id)}::bigint[])`.execute(
    db,
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  return campaigns.map((campaign) => {
    const row = byId.get(campaign.id);
    return {
      listIds: row?.list_ids ?? [],
      tagIds: row?.tag_ids ?? [],
      templateId: row?.template_id ?? null,
    };
  });
}

export function campaignData(row: CampaignRow, refs: CampaignRefs, stats: CampaignStats) {
  return {
    id: row.public_id,
    name: row.name,
    channel: row.channel,
    status: row.status,
    subject: row.subject,
    body: row.body,
    template_id: refs.templateId,
    variables: row.variables as Record<string, string>,
    audience: { list_ids: refs.listIds, tag_ids: refs.tagIds },
    scheduled_at: row.scheduled_at?.toISOString() ?? null,
    started_at: row.started_at?.toISOString() ?? null,
    audience_done_at: row.audience_done_at?.toISOString() ?? null,
    completed_at: row.completed_at?.toISOString() ?? null,
    failure_reason: row.failure_reason,
    sandbox: row.sandbox,
    stats,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export type CampaignData = ReturnType<typeof campaignData>;

/** Many campaigns as botbat shows them: two statements whatever their number. */
export async function campaignsData(
  db: Queryable,
  accountId: string,
  rows: readonly CampaignRow[],
): Promise<CampaignData[]> {
  const [refs, stats] = await Promise.all([
    refsOfCampaigns(db, accountId, rows),
    statsOfCampaigns(
      db,
      accountId,
      rows.map((row) => row.id),
    ),
  ]);
  return rows.map((row, i) => campaignData(row, refs[i], stats[i]));
}
