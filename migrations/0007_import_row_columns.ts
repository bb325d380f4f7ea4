import { type Kysely, sql } from "kysely";

// An import made of rows given as typed values (the JSON batches of botamp and audience) keeps
// them as JSON in its chunks, whole rows per chunk, and names their columns here; the job reads
// them without CSV. Null for an uploaded CSV file, whose first row is its header.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table imports add column row_columns text[]`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table imports drop column row_columns`.execute(db);
}
