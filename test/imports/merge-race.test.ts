import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../../src/domain/accounts/accounts.js";
import { mergeStaged } from "../../src/domain/imports/merge.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

// The merge inserts new subscribers without ON CONFLICT and updates known ones by an UPDATE: a
// subscriber of one of their emails committed by someone else while it runs must end up updated,
// and a known one deleted under it created again, as the ON CONFLICT upsert would have it, with
// exact counts and no failed import (src/domain/imports/merge.ts, upsertStaged).

const ROWS = 1000;
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

async function stage(accountId: string, prefix: string): Promise<string> {
  const { db } = database;
  const imp = await sql<{ id: string }>`
    insert into imports (account_id, source) values (${accountId}, 'csv') returning id`.execute(db);
  const importId = imp.rows[0].id;
  await sql`
    insert into import_rows (account_id, import_id, row_number, email, first_name)
    select ${accountId}, ${importId}, i, ${prefix} || i || '@example.com', 'Imported'
    from generate_series(1, ${ROWS}::int) i`.execute(db);
  return importId;
}

function merge(client: import("pg").PoolClient, accountId: string, importId: string) {
  return mergeStaged(client, {
    accountId,
    importId,
    listId: null,
    updateExisting: true,
    defaults: {},
    required: [],
    total: ROWS,
    parseErrors: [],
    tagIds: [],
    rowTags: false,
    notify: null,
  });
}

/** Until some session waits for another's transaction. */
async function someoneWaits(): Promise<void> {
  for (let tries = 0; ; tries++) {
    const { rows } = await database.pool.query<{ n: number }>(
      `select count(*)::int as n from pg_locks where locktype = 'transactionid' and not granted`,
    );
    if (rows[0].n > 0) return;
    if (tries > 600) throw new Error("the merge never waited on the other writer");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("a merge racing another writer of the same email", () => {
  it("a known subscriber deleted under it is created again: exact counts", async () => {
    const { db, pool } = database;
    const { account } = await createAccount(db, { name: "race-delete" });
    await sql`
      insert into subscribers (account_id, public_id, email, first_name)
      values (${account.id}, md5('known'), 'gone7@example.com', 'Known')`.execute(db);
    const importId = await stage(account.id, "gone");
    const other = await pool.connect();
    const merger = await pool.connect();
    try {
      await other.query("begin");
      await other.query("delete from subscribers where account_id = $1", [account.id]);
      const merging = merge(merger, account.id, importId);
      await someoneWaits();
      await other.query("commit");
      expect(await merging).toEqual({ created: ROWS, updated: 0, invalid: 0 });
    } finally {
      other.release();
      merger.release();
    }
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from subscribers
      where account_id = ${account.id} and first_name = 'Imported'`.execute(db);
    expect(rows[0].n).toBe(ROWS);
  }, 120_000);

  it("waits for the other insert, then updates that subscriber: exact counts, one subscriber per email", async () => {
    const { db, pool } = database;
    const { account } = await createAccount(db, { name: "race-insert" });
    const importId = await stage(account.id, "race");
    // Another writer inserts one of those emails and commits only once the merge waits on it.
    const other = await pool.connect();
    const merger = await pool.connect();
    try {
      await other.query("begin");
      await other.query(
        `insert into subscribers (account_id, public_id, email, first_name)
         values ($1, md5('other'), 'RACE500@example.com', 'Other')`,
        [account.id],
      );
      const merging = merge(merger, account.id, importId);
      await someoneWaits();
      await other.query("commit");
      expect(await merging).toEqual({ created: ROWS - 1, updated: 1, invalid: 0 });
    } finally {
      other.release();
      merger.release();
    }
    const { rows } = await sql<{ n: number; named: string }>`
      select count(*)::int as n,
        (select first_name from subscribers where account_id = ${account.id}
         and lower(email) = 'race500@example.com') as named
      from subscribers where account_id = ${account.id}`.execute(db);
    expect(rows[0]).toEqual({ n: ROWS, named: "Imported" });
  }, 120_000);
});
