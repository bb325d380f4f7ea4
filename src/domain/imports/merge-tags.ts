import type pg from "pg";

// Tags of an import, inside its merge transaction: the import's own tags (`imports.tag_ids`) and
// the tag names of each row, created when the account has no tag of that name in any case.
// Only rows that were imported get tags: the first row of each email, not refused.

export interface TagPlan {
  accountId: string;
  importId: string;
  /** Internal ids of tags every imported subscriber gets. */
  tagIds: readonly string[];
  /** Whether the file has a `tags` column (otherwise no row carries names). */
  rowTags: boolean;
  /** More rows than a few: joins are hash joins (see mergeStaged). */
  bulk: boolean;
  /**
   * The foreign keys of subscriber_tags may be checked once (see upsertStaged in merge.ts): the
   * account is locked; the tags and subscribers the rows name are locked here.
   */
  keysOnce: boolean;
  /** Whether the upsert updated (and so locked) the known subscribers. */
  updateExisting: boolean;
}

/**
 * Joins `s`, with its `id`, to each staged row `r`: the account's subscriber of that email.
 * For a bulk import, a plain join (hash joins only in the merge). For a few rows, a probe of
 * the email index per row: a lateral subquery with an OFFSET is planned apart, keyed by the
 * row's account and email as parameters, so that no estimate of the account's size (wrong
 * right after an import) can make it read the whole account for each row instead.
 */
export function subscriberOfRow(bulk: boolean): string {
  return bulk
    ? "join subscribers s on s.account_id = r.account_id and lower(s.email) = lower(r.email)"
    : `cross join lateral (
        select x.id from subscribers x
        where x.account_id = r.account_id and lower(x.email) = lower(r.email)
        offset 0
      ) s`;
}

/** The staged rows that became (or matched) a subscriber, with that subscriber's id. */
const imported = (bulk: boolean) => `
  select distinct on (lower(r.email)) r.row_number, r.tags, s.id as subscriber_id
  from import_rows r
  ${subscriberOfRow(bulk)}
  where r.account_id = $1 and r.import_id = $2
    and not exists (
      select 1 from import_errors e
      where e.account_id = $1 and e.import_id = $2 and e.row_number = r.row_number
    )
  order by lower(r.email), r.row_number`;

export async function applyImportTags(client: pg.PoolClient, plan: TagPlan): Promise<void> {
  if (plan.tagIds.length === 0 && !plan.rowTags) return;
  await client.query(
    `create temporary table import_tagged
       (row_number integer, tags jsonb, subscriber_id bigint) on commit drop`,
  );
  await client.query(`insert into import_tagged ${imported(plan.bulk)}`, [
    plan.accountId,
    plan.importId,
  ]);
  await client.query("analyze import_tagged");
  if (plan.keysOnce && !plan.updateExisting) {
    // Known subscribers left as they are: locked as the subscriber key's check would lock them.
    await client.query(
      `select 1 from subscribers s
       where s.account_id = $1 and s.id in (select subscriber_id from import_tagged)
       for key share of s`,
      [plan.accountId],
    );
  }
  if (plan.tagIds.length > 0) {
    if (plan.keysOnce) {
      await client.query(
        "select 1 from tags where account_id = $1 and id = any($2::bigint[]) for key share",
        [plan.accountId, plan.tagIds],
      );
      await client.query("set local session_replication_role = replica");
    }
    await client.query(
      `insert into subscriber_tags (account_id, subscriber_id, tag_id)
       select $1::bigint, i.subscriber_id, t.id
       from import_tagged i
       cross join tags t
       where t.account_id = $1 and t.id = any($2::bigint[])
       on conflict do nothing`,
      [plan.accountId, plan.tagIds],
    );
    if (plan.keysOnce) await client.query("set local session_replication_role = origin");
  }
  if (plan.rowTags) {
    // New names, spelled as their first row spells them; existing tags match in any case.
    await client.query(
      `insert into tags (account_id, name)
       select distinct on (lower(n.name)) $1::bigint, n.name
       from import_tagged i
       cross join lateral jsonb_array_elements_text(i.tags) with ordinality as n(name, place)
       where i.tags is not null
       order by lower(n.name), i.row_number, n.place
       on conflict (account_id, lower(name)) do nothing`,
      [plan.accountId],
    );
    if (plan.keysOnce) {
      // The tags the rows name, as each check of the tag key would lock them.
      await client.query(
        `select 1 from tags t
         where t.account_id = $1 and lower(t.name) in (
           select lower(n.name)
           from import_tagged i cross join lateral jsonb_array_elements_text(i.tags) as n(name)
           where i.tags is not null
         )
         for key share of t`,
        [plan.accountId],
      );
      await client.query("set local session_replication_role = replica");
    }
    // In index order: the two indexes of subscriber_tags are filled page by page.
    await client.query(
      `insert into subscriber_tags (account_id, subscriber_id, tag_id)
       select distinct $1::bigint, i.subscriber_id, t.id
       from import_tagged i
       cross join lateral jsonb_array_elements_text(i.tags) as n(name)
       join tags t on t.account_id = $1 and lower(t.name) = lower(n.name)
       where i.tags is not null
       order by 2, 3
       on conflict do nothing`,
      [plan.accountId],
    );
    if (plan.keysOnce) await client.query("set local session_replication_role = origin");
  }
  await client.query("drop table import_tagged");
}
