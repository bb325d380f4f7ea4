import { type Kysely, sql } from "kysely";

// The headers of a kept answer that its replay must carry too (the Location of a 202 import),
// beside its status, body and content type (0008).

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table idempotency_keys add column response_headers jsonb`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table idempotency_keys drop column response_headers`.execute(db);
}
