import { sql } from "kysely";
import type { Queryable } from "../context.js";

// A campaign's figures are counted from its messages, never kept beside them: a count over the
// campaign's rows (found by the (account, campaign, subscriber) index) is exact whatever recorded
// a status, and costs one statement for a whole page of campaigns. No index holds `status`: that
// would cost every status change an entry in each index (migration 0017).

export interface CampaignStats {
  /** Every message of the campaign (one per subscriber reached so far). */
  total: number;
  queued: number;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
}

const EMPTY: CampaignStats = { total: 0, queued: 0, sent: 0, delivered: 0, read: 0, failed: 0 };

/** The stats of each campaign (internal ids), in the order asked, in one statement. */
export async function statsOfCampaigns(
  db: Queryable,
  accountId: string,
  campaignIds: readonly string[],
): Promise<CampaignStats[]> {
  if (campaignIds.length === 0) return [];
  const { rows } = await sql<{ campaign_id: string; status: string; n: number }>`
    select campaign_id, status, count(*)::int as n
    from messages
    where account_id = ${accountId} and campaign_id = any(${[...campaignIds]}::bigint[])
    group by campaign_id, status`.execute(db);
  const byCampaign = new Map<string, CampaignStats>();
  for (const row of rows) {
    const stats = byCampaign.get(row.campaign_id) ?? { ...EMPTY };
    if (row.status in stats) stats[row.status as keyof CampaignStats] += row.n;
    stats.total += row.n;
    byCampaign.set(row.campaign_id, stats);
  }
  return campaignIds.map((id) => byCampaign.get(id) ?? { ...EMPTY });
}
