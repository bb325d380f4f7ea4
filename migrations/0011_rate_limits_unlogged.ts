import { type Kysely, sql } from "kysely";

// The rate-limit counters are written by every /v1 request: as an unlogged table they write no
// WAL, so a request's upsert commits without waiting for a WAL flush (measured on the embedded
// server at load 7-8: 0.67-1.17 ms -> 0.23-0.43 ms per upsert). Counters are worth losing: a
// crash of Postgres empties the table (every key starts a fresh window) and standbys do not have
// it (a failover does the same).

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table rate_limits set unlogged`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table rate_limits set logged`.execute(db);
}
