import { type Kysely, sql } from "kysely";

// What batch imports from the JSON dialects (botamp, audience) carry beyond a CSV's columns:
// tags for every row and a report mail when the import ends (on `imports`), and the profile
// columns and per-row tag names of each staged row (on `import_rows`).

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table imports
      add column tag_ids bigint[] not null default '{}',
      add column notify_email text;

    alter table import_rows
      add column job_title text,
      add column company text,
      add column country text,
      add column address text,
      add column website text,
      add column postal_code text,
      add column birthday date,
      add column tags jsonb;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table import_rows
      drop column job_title, drop column company, drop column country, drop column address,
      drop column website, drop column postal_code, drop column birthday, drop column tags;
    alter table imports drop column tag_ids, drop column notify_email;
  `.execute(db);
}
