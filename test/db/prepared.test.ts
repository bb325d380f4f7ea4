import { CompiledQuery, sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { MAX_PREPARED, prepared } from "../../src/db/prepared.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

// Registered texts run as named prepared statements on every connection of the pool, and a
// client chooses the texts (one per field selection of a GraphQL plan): past MAX_PREPARED, new
// texts run unnamed, so no connection keeps an unbounded number of statements.

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

it("prepares a registered text once per connection, and no more than MAX_PREPARED texts", async () => {
  const { db } = database;
  await db.connection().execute(async (connection) => {
    const texts = Array.from({ length: MAX_PREPARED + 20 }, (_, n) =>
      prepared(`select $1::int + ${n} as "prepared_test_${n}"`),
    );
    for (const text of texts) {
      const { rows } = await connection.executeQuery<Record<string, number>>(
        CompiledQuery.raw(text, [1]),
      );
      expect(Object.values(rows[0])).toEqual([1 + texts.indexOf(text)]);
    }
    // The same text again is the same statement, not a new one.
    await connection.executeQuery(CompiledQuery.raw(texts[0], [2]));
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_prepared_statements
      where statement like 'select $1::int + % as "prepared_test_%'`.execute(connection);
    expect(rows[0].n).toBeGreaterThan(0);
    expect(rows[0].n).toBeLessThanOrEqual(MAX_PREPARED);
  });
});
