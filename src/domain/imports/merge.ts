import { randomBytes } from "node:crypto";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { REALTIME_CHANNEL } from "../realtime/publish.js";
import { emitEventOn } from "../webhooks/emit-on-client.js";
import { importCompletedData } from "../webhooks/payloads.js";
import { applyImportTags, subscriberOfRow } from "./merge-tags.js";
import { completedReport, queueMailOn, rejectedRows } from "./report.js";
import { copyText, type RowError } from "./rows.js";

// The set-based half of an import: one transaction turns the staged rows into subscribers,
// subscriptions and per-row errors, completes the import and drops its staging data. A run
// killed before the commit leaves nothing behind but staging rows; after it, nothing to redo.

export interface MergePlan {
  accountId: string;
  importId: string;
  listId: string | null;
  updateExisting: boolean;
  /** Defaults of custom fields the file has no column for, applied to new subscribers only. */
  defaults: Record<string, unknown>;
  /** Account-wide required fields a new subscriber must end up with (none has a default here). */
  required: { id: string; name: string }[];
  /** Data rows in the file and the rows refused while parsing. */
  total: number;
  parseErrors: RowError[];
  /** Internal ids of tags every imported subscriber gets. */
  tagIds: readonly string[];
  /** Whether the file has a `tags` column of names per row. */
  rowTags: boolean;
  /** Started through a sandbox key: the subscribers it creates are flagged sandbox. */
  sandbox?: boolean;
  /** Where the report mail goes, with what it names the import by; null: no mail. */
  notify: { to: string; publicId: string; source: string; filename: string | null } | null;
  /**
   * What the import.completed event names the import by, and whose webhooks hear it (absent: no
   * event, for a merge run on its own).
   */
  event?: { publicId: string; source: string; filename: string | null; sandbox: boolean };
}

export interface MergeCounts {
  created: number;
  updated: number;
  invalid: number;
}

const NULL = "\\N";

/**
 * Up to this many rows, the merge's joins may be nested loops: index probes cost milliseconds
 * where a hash join reads every subscriber of the account (0.65 s for 100 rows against 200,000),
 * and even the worst nested loop costs no more than this many reads of the account.
 */
const FEW_ROWS = 100;

export async function mergeStaged(client: pg.PoolClient, plan: MergePlan): Promise<MergeCounts> {
  const { accountId, importId } = plan;
  const bulk = plan.total > FEW_ROWS;
  // Autovacuum may have analysed the staging table while another import filled it: this
  // import's rows would then be estimated at one. Analysed here, outside the transaction, so
  // that its lock (which concurrent analyzes wait for) is held for the analyze alone.
  if (bulk) await client.query("analyze import_rows");
  await client.query("begin");
  try {
    // The whole file's rows are sorted by email once; keep that sort in memory.
    await client.query("set local work_mem = '256MB'");
    // No statistics of subscribers can be right here: the upsert below adds rows they have never
    // seen, and an account that grew since the last analyze looks empty. Believing one side of a
    // join is a single row, the planner picks a nested loop that reads the whole account (or the
    // whole import) for each row: 594 s instead of 9 s for 50,000 rows. Every join here equates
    // columns, so a hash join is always possible, and it costs rows + account whatever the
    // estimates. (Analysing subscribers instead takes seconds on a big table and would hold its
    // lock until the commit.)
    if (bulk) await client.query("set local enable_nestloop = off");
    await copyErrors(client, accountId, importId, plan.parseErrors);
    const keysOnce = bulk && (await checkKeysOnce(client, plan));
    const counts = await upsertStaged(client, plan, bulk, keysOnce);
    if (plan.listId !== null && !plan.updateExisting) {
      // Existing subscribers keep their data but still join the list.
      await client.query(
        `insert into subscriptions (account_id, list_id, subscriber_id, source)
         select distinct $1::bigint, $3::bigint, s.id, 'import'
         from import_rows r
         ${subscriberOfRow(bulk)}
         where r.account_id = $1 and r.import_id = $2
         on conflict (account_id, list_id, subscriber_id) do nothing`,
        [accountId, importId, plan.listId],
      );
    }
    await applyImportTags(client, {
      accountId,
      importId,
      tagIds: plan.tagIds,
      rowTags: plan.rowTags,
      bulk,
      keysOnce,
      updateExisting: plan.updateExisting,
    });
    const result = {
      created: counts.created,
      updated: counts.updated,
      invalid: plan.parseErrors.length + counts.duplicates + counts.incomplete,
    };
    if (plan.notify !== null) {
      const { to, publicId, source, filename } = plan.notify;
      const report = { public_id: publicId, source, filename, total: plan.total, ...result };
      const rejected = await rejectedRows(client, accountId, importId);
      await queueMailOn(client, completedReport(to, report, rejected));
    }
    // Counts only: an import emits no per-contact events (a million rows would be a million
    // deliveries); receivers read the contacts they need through the API.
    if (plan.event)
      await emitEventOn(
        client,
        { accountId, sandbox: plan.event.sandbox },
        "import.completed",
        importCompletedData(plan.event, { total: plan.total, ...result }),
      );
    await client.query(
      `update imports set status = 'completed', total = $3, processed = $3, created = $4,
         updated = $5, invalid = $6, failure = null, finished_at = clock_timestamp()
       where account_id = $1 and id = $2`,
      [accountId, importId, plan.total, result.created, result.updated, result.invalid],
    );
    // GraphQL subscriptions hear of the completion at the commit (src/domain/realtime).
    await client.query(
      `select pg_notify($1, json_build_object('accountId', account_id::text, 'topic', 'import',
         'id', public_id)::text)
       from imports where account_id = $2 and id = $3`,
      [REALTIME_CHANNEL, accountId, importId],
    );
    await client.query("delete from import_chunks where account_id = $1 and import_id = $2", [
      accountId,
      importId,
    ]);
    await client.query("delete from import_rows where account_id = $1 and import_id = $2", [
      accountId,
      importId,
    ]);
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch(() => {});
    throw error;
  }
}

interface UpsertCounts {
  duplicates: number;
  incomplete: number;
  created: number;
  updated: number;
}

const UNIQUE_VIOLATION = "23505";

/** The split upsert met a subscriber deleted under it: done again by the ON CONFLICT one. */
class Gone extends Error {}

/**
 * Subscribers from the staged rows. The statement that runs first inserts the new ones with a
 * plain INSERT and updates the known ones with an UPDATE: INSERT … ON CONFLICT pays, for every
 * row, a probe of the email index before the insert and a second WAL record to confirm it
 * (about 25 % of the insert). A subscriber of one of these emails created by someone else after
 * the statement's snapshot makes the plain insert fail on the unique index: then, and only then,
 * the same work is done again by the ON CONFLICT statement, which waits for that subscriber
 * and updates it (and so when a known subscriber was deleted under the UPDATE).
 *
 * The foreign keys of the rows this statement writes (subscribers and subscriptions to their
 * account and list, errors to their import) are checked by a trigger per row, which costs a
 * query plan's start per row (a fifth of the insert of a million rows). Where this session may
 * set `session_replication_role` (a superuser), and those tables
 * have no trigger but the foreign keys', they are checked once instead: the account, the import
 * and the list are locked here FOR KEY SHARE, as each check would lock them, so none can be
 * deleted before the commit; every subscription names a subscriber this statement inserted or
 * updated (and so locked). Elsewhere the triggers run.
 */
async function upsertStaged(
  client: pg.PoolClient,
  plan: MergePlan,
  bulk: boolean,
  checkedOnce: boolean,
): Promise<UpsertCounts> {
  if (checkedOnce) await client.query("set local session_replication_role = replica");
  await client.query("savepoint import_upsert");
  try {
    const split = upsertQuery(plan, bulk, "split");
    const [{ known, ...counts }] = (
      await client.query<UpsertCounts & { known: number }>(split.text, split.values)
    ).rows;
    // A known subscriber deleted since the statement's snapshot was neither updated nor created.
    if (counts.updated !== known) throw new Gone();
    await client.query("release savepoint import_upsert");
    if (checkedOnce) await client.query("set local session_replication_role = origin");
    return counts;
  } catch (error) {
    if (!(error instanceof Gone) && (error as { code?: string }).code !== UNIQUE_VIOLATION)
      throw error;
    await client.query("rollback to savepoint import_upsert");
    if (checkedOnce) await client.query("set local session_replication_role = origin");
    const upsert = upsertQuery(plan, bulk, "onConflict");
    return (await client.query<UpsertCounts>(upsert.text, upsert.values)).rows[0];
  }
}

/**
 * Whether the merge may check its foreign keys once (see upsertStaged): this session may set
 * `session_replication_role` and the tables it writes in bulk have no trigger but their foreign
 * keys'. If so, the account, the import and the list are locked FOR KEY SHARE until the commit.
 */
async function checkKeysOnce(client: pg.PoolClient, plan: MergePlan): Promise<boolean> {
  const { rows } = await client.query<{ allowed: boolean }>(
    `select r.rolsuper as allowed
     from pg_roles r
     where r.rolname = current_user
       and not exists (
         select 1 from pg_trigger t
         where t.tgrelid in ('subscribers'::regclass, 'subscriptions'::regclass,
             'import_errors'::regclass, 'subscriber_tags'::regclass)
           and not (t.tgisinternal and exists (
             select 1 from pg_constraint c where c.oid = t.tgconstraint and c.contype = 'f'
           ))
       )`,
  );
  if (rows[0]?.allowed !== true) return false;
  const locked = await client.query(`select 1 from accounts where id = $1 for key share`, [
    plan.accountId,
  ]);
  const imp = await client.query(
    "select 1 from imports where id = $1 and account_id = $2 for key share",
    [plan.importId, plan.accountId],
  );
  if (locked.rowCount !== 1 || imp.rowCount !== 1) return false;
  if (plan.listId !== null) {
    const list = await client.query("select 1 from lists where id = $1 for key share", [
      plan.listId,
    ]);
    if (list.rowCount !== 1) return false;
  }
  return true;
}

/**
 * The first row of each email (case-insensitive) wins; later ones become "duplicate of row N".
 * Rows go in sorted by email, so every index of subscribers is filled in order rather than at
 * random places.
 */
function upsertQuery(
  plan: MergePlan,
  bulk: boolean,
  mode: "split" | "onConflict",
): { text: string; values: unknown[] } {
  if (mode === "split") return splitUpsertQuery(plan, bulk);
  const values: unknown[] = [];
  // Each value becomes a typed placeholder, so only the parts this plan uses are sent.
  const param = (value: unknown, type: string) => {
    values.push(value);
    return `$${values.length}::${type}`;
  };
  const account = param(plan.accountId, "bigint");
  const importId = param(plan.importId, "bigint");
  const hasDefaults = Object.keys(plan.defaults).length > 0;
  const newValues = hasDefaults
    ? `${param(JSON.stringify(plan.defaults), "jsonb")} || custom_values`
    : "custom_values";
  // Defaults are for new subscribers: an existing one only gets the file's own values. Built
  // only for an update, so that no placeholder goes unused (Postgres cannot type one).
  const importedValues = () =>
    hasDefaults
      ? `(excluded.custom_values - ${param(Object.keys(plan.defaults), "text[]")})`
      : "excluded.custom_values";
  const onConflict = plan.updateExisting
    ? `do update set
         first_name = coalesce(excluded.first_name, s.first_name),
         last_name = coalesce(excluded.last_name, s.last_name),
         phone = coalesce(excluded.phone, s.phone),
         timezone = coalesce(excluded.timezone, s.timezone),
         job_title = coalesce(excluded.job_title, s.job_title),
         company = coalesce(excluded.company, s.company),
         country = coalesce(excluded.country, s.country),
         address = coalesce(excluded.address, s.address),
         website = coalesce(excluded.website, s.website),
         postal_code = coalesce(excluded.postal_code, s.postal_code),
         birthday = coalesce(excluded.birthday, s.birthday),
         custom_values = s.custom_values || ${importedValues()},
         updated_at = now()`
    : "do nothing";
  const checkRequired = plan.required.length > 0;
  const required = checkRequired
    ? {
        ids: param(
          plan.required.map((field) => field.id),
          "text[]",
        ),
        names: param(
          plan.required.map((field) => field.name),
          "text[]",
        ),
      }
    : null;
  // A bulk import anti-joins by hash; a few rows probe the email index each, keyed by
  // parameters rather than the account's id (see subscriberOfRow).
  const knownEmail = bulk
    ? `x.account_id = ${account} and lower(x.email) = lower(st.email)`
    : "x.account_id = st.account_id and lower(x.email) = lower(st.email) offset 0";
  const incomplete = required
    ? `incomplete as (
      insert into import_errors (account_id, import_id, row_number, email, message)
      select ${account}, ${importId}, st.row_number, st.email,
        'missing required custom field ' || (
          select string_agg(r.name, ', ') from unnest(${required.ids}, ${required.names}) as r(id, name)
          where not st.custom_values ? r.id
        )
      from staged st
      where st.row_number = st.first_row
        and not (st.custom_values ?& ${required.ids})
        and not exists (select 1 from subscribers x where ${knownEmail})
      returning row_number
    ),`
    : "";
  const subscribed =
    plan.listId === null
      ? ""
      : `, subscribed as (
      insert into subscriptions (account_id, list_id, subscriber_id, source)
      select ${account}, ${param(plan.listId, "bigint")}, id, 'import' from upserted
      on conflict (account_id, list_id, subscriber_id) do nothing
    )`;
  const text = `
    with staged as (
      select account_id, row_number, email, first_name, last_name, phone, timezone, custom_values,
        job_title, company, country, address, website, postal_code, birthday,
        first_value(row_number) over (partition by lower(email) order by row_number) as first_row,
        row_number() over (order by lower(email), row_number) as seq
      from import_rows
      where account_id = ${account} and import_id = ${importId}
    ),
    duplicates as (
      insert into import_errors (account_id, import_id, row_number, email, message)
      select ${account}, ${importId}, row_number, email, 'duplicate of row ' || first_row
      from staged
      where row_number <> first_row
      returning 1
    ),
    ${incomplete}
    upserted as (
      insert into subscribers as s
        (account_id, public_id, email, first_name, last_name, phone, timezone, custom_values,
         job_title, company, country, address, website, postal_code, birthday, sandbox)
      select ${account}, ${param(publicIdPrefix(), "text")} || lpad(to_hex(seq), 12, '0'),
        email, first_name, last_name, phone, timezone, ${newValues},
        job_title, company, country, address, website, postal_code, birthday,
        ${param(plan.sandbox ?? false, "boolean")}
      from staged
      where row_number = first_row
        ${checkRequired ? "and row_number not in (select row_number from incomplete)" : ""}
      on conflict (account_id, lower(email)) ${onConflict}
      returning s.id, s.xmax = 0 as created
    )${subscribed}
    select
      (select count(*) from duplicates)::int as duplicates,
      ${checkRequired ? "(select count(*) from incomplete)::int" : "0"} as incomplete,
      (count(*) filter (where created))::int as created,
      (count(*) filter (where not created))::int as updated
    from upserted`;
  return { text, values };
}

/**
 * The same upsert as two statements in one: the staged rows are joined to the account's
 * subscribers by email once (by hash in bulk, so that it costs rows + account whatever the
 * statistics), before the sort that numbers them; the first row of a known email updates its
 * subscriber (when the import updates them), that of a new one is inserted without ON CONFLICT.
 * Rows still go in sorted by email.
 */
function splitUpsertQuery(plan: MergePlan, bulk: boolean): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const param = (value: unknown, type: string) => {
    values.push(value);
    return `$${values.length}::${type}`;
  };
  const account = param(plan.accountId, "bigint");
  const importId = param(plan.importId, "bigint");
  const hasDefaults = Object.keys(plan.defaults).length > 0;
  const newValues = hasDefaults
    ? `${param(JSON.stringify(plan.defaults), "jsonb")} || custom_values`
    : "custom_values";
  // What an existing subscriber gets of a row: the file's own values, never the defaults (the
  // staged values hold none of them: defaults are for fields the file has no column for).
  const updated = plan.updateExisting
    ? `, updated as (
      update subscribers s set
        first_name = coalesce(st.first_name, s.first_name),
        last_name = coalesce(st.last_name, s.last_name),
        phone = coalesce(st.phone, s.phone),
        timezone = coalesce(st.timezone, s.timezone),
        job_title = coalesce(st.job_title, s.job_title),
        company = coalesce(st.company, s.company),
        country = coalesce(st.country, s.country),
        address = coalesce(st.address, s.address),
        website = coalesce(st.website, s.website),
        postal_code = coalesce(st.postal_code, s.postal_code),
        birthday = coalesce(st.birthday, s.birthday),
        custom_values = s.custom_values || ${
          hasDefaults
            ? `(st.custom_values - ${param(Object.keys(plan.defaults), "text[]")})`
            : "st.custom_values"
        },
        updated_at = now()
      from staged st
      where st.row_number = st.first_row and st.existing is not null
        and s.account_id = ${account} and s.id = st.existing
      returning s.id
    )`
    : "";
  const checkRequired = plan.required.length > 0;
  const required = checkRequired
    ? {
        ids: param(
          plan.required.map((field) => field.id),
          "text[]",
        ),
        names: param(
          plan.required.map((field) => field.name),
          "text[]",
        ),
      }
    : null;
  const incomplete = required
    ? `incomplete as (
      insert into import_errors (account_id, import_id, row_number, email, message)
      select ${account}, ${importId}, st.row_number, st.email,
        'missing required custom field ' || (
          select string_agg(r.name, ', ') from unnest(${required.ids}, ${required.names}) as r(id, name)
          where not st.custom_values ? r.id
        )
      from staged st
      where st.row_number = st.first_row and st.existing is null
        and not (st.custom_values ?& ${required.ids})
      returning row_number
    ),`
    : "";
  const subscribed =
    plan.listId === null
      ? ""
      : `, subscribed as (
      insert into subscriptions (account_id, list_id, subscriber_id, source)
      select ${account}, ${param(plan.listId, "bigint")}, id, 'import'
      from (select id from inserted${plan.updateExisting ? " union all select id from updated" : ""}) i
      on conflict (account_id, list_id, subscriber_id) do nothing
    )`;
  // In bulk, a hash join (nested loops are off); for a few rows, a probe of the email index per
  // row (see subscriberOfRow).
  const known = bulk
    ? `left join subscribers x on x.account_id = ${account} and lower(x.email) = lower(r.email)`
    : `left join lateral (
        select x.id from subscribers x
        where x.account_id = r.account_id and lower(x.email) = lower(r.email)
        offset 0
      ) x on true`;
  const text = `
    with staged as (
      select r.row_number, r.email, r.first_name, r.last_name, r.phone, r.timezone,
        r.custom_values, r.job_title, r.company, r.country, r.address, r.website, r.postal_code,
        r.birthday, x.id as existing,
        first_value(r.row_number) over (partition by lower(r.email) order by r.row_number) as first_row,
        row_number() over (order by lower(r.email), r.row_number) as seq
      from import_rows r
      ${known}
      where r.account_id = ${account} and r.import_id = ${importId}
    ),
    duplicates as (
      insert into import_errors (account_id, import_id, row_number, email, message)
      select ${account}, ${importId}, row_number, email, 'duplicate of row ' || first_row
      from staged
      where row_number <> first_row
      returning 1
    ),
    ${incomplete}
    inserted as (
      insert into subscribers as s
        (account_id, public_id, email, first_name, last_name, phone, timezone, custom_values,
         job_title, company, country, address, website, postal_code, birthday, sandbox)
      select ${account}, ${param(publicIdPrefix(), "text")} || lpad(to_hex(seq), 12, '0'),
        email, first_name, last_name, phone, timezone, ${newValues},
        job_title, company, country, address, website, postal_code, birthday,
        ${param(plan.sandbox ?? false, "boolean")}
      from staged
      where row_number = first_row and existing is null
        ${checkRequired ? "and row_number not in (select row_number from incomplete)" : ""}
      returning id
    )${updated}${subscribed}
    select
      (select count(*) from duplicates)::int as duplicates,
      ${checkRequired ? "(select count(*) from incomplete)::int" : "0"} as incomplete,
      (select count(*) from inserted)::int as created,
      ${plan.updateExisting ? "(select count(*) from updated)::int" : "0"} as updated,
      ${
        plan.updateExisting
          ? "(select count(*) from staged where row_number = first_row and existing is not null)::int"
          : "0"
      } as known`;
  // On one line: pg_stat_activity shows a statement's first 1 KB, its insert included.
  return { text: text.replace(/\s+/g, " ").trim(), values };
}

/**
 * New subscribers get time-ordered public ids (32 hex like any other): this import's time and a
 * random part, then the row's place in the insert order. A million random ids would each land on
 * a random page of the public-id index, which costs more than everything else the insert does.
 */
function publicIdPrefix(): string {
  return Date.now().toString(16).padStart(12, "0") + randomBytes(4).toString("hex");
}

async function copyErrors(
  client: pg.PoolClient,
  accountId: string,
  importId: string,
  errors: readonly RowError[],
): Promise<void> {
  if (errors.length === 0) return;
  const stream = client.query(
    copyFrom("copy import_errors (account_id, import_id, row_number, email, message) from stdin"),
  );
  const done = new Promise<void>((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", reject);
  });
  const prefix = `${accountId}\t${importId}\t`;
  let text = "";
  for (const error of errors) {
    text += `${prefix}${error.row}\t${error.email === null ? NULL : copyText(error.email)}\t${copyText(error.message)}\n`;
    if (text.length > 1 << 20) {
      if (!stream.write(text)) await new Promise((resolve) => stream.once("drain", resolve));
      text = "";
    }
  }
  stream.end(text);
  await done;
}
