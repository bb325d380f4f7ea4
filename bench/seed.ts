import { sql } from "kysely";
import type { DB } from "../src/db/database.js";

/**
 * An audience like a real account's: `subscribers` people, 10 lists, 20 tags, 3 custom fields;
 * each person on 2 lists, with 3 tags and 3 custom values. Set-based, so 10,000 rows take a second.
 */
export async function seedAudience(db: DB, accountId: string, subscribers: number): Promise<void> {
  await sql`insert into lists (account_id, name)
    select ${accountId}, 'List ' || n from generate_series(1, 10) n`.execute(db);
  await sql`insert into tags (account_id, name)
    select ${accountId}, 'tag-' || n from generate_series(1, 20) n`.execute(db);
  await sql`insert into custom_fields (account_id, name, type, options, merge_tag, column_name) values
    (${accountId}, 'City', 'string', '{}', 'MERGE_CITY', 'custom_city_bench1'),
    (${accountId}, 'Age', 'number', '{}', 'MERGE_AGE', 'custom_age_bench2'),
    (${accountId}, 'Plan', 'dropdown', '{free,pro,team}', 'MERGE_PLAN', 'custom_plan_bench3')`.execute(
    db,
  );
  const fields = await db
    .selectFrom("custom_fields")
    .select(["id", "name"])
    .where("account_id", "=", accountId)
    .execute();
  const id = (name: string) => fields.find((field) => field.name === name)?.id ?? "";
  await sql`insert into subscribers (account_id, email, first_name, last_name, custom_values)
    select ${accountId}, 'person' || n || '@example.com', 'First' || n, 'Last' || n,
      jsonb_build_object(${id("City")}::text, 'City ' || (n % 50), ${id("Age")}::text, 18 + n % 60,
        ${id("Plan")}::text, (array['free','pro','team'])[1 + n % 3])
    from generate_series(1, ${subscribers}::int) n`.execute(db);
  await sql`
    insert into subscriptions (account_id, list_id, subscriber_id)
      select s.account_id, l.id, s.id
      from subscribers s
      join lateral (
        select id from lists where account_id = s.account_id order by (id + s.id) % 10 limit 2
      ) l on true
      where s.account_id = ${accountId}`.execute(db);
  await sql`
    insert into subscriber_tags (account_id, subscriber_id, tag_id)
      select s.account_id, s.id, t.id
      from subscribers s
      join lateral (
        select id from tags where account_id = s.account_id order by (id * 7 + s.id) % 20 limit 3
      ) t on true
      where s.account_id = ${accountId}`.execute(db);
  await sql`analyze`.execute(db);
}
