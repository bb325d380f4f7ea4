import type { DB } from "../../src/db/database.js";

// An import's row as the database holds it, for tests that watch an import from outside any
// surface (a killed or stopped server, a batch answered before its job runs).

export function importRow(db: DB, id: string) {
  return db.selectFrom("imports").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

/** Polls the import of this public id until it is completed or failed. */
export async function importEnded(db: DB, publicId: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await db
      .selectFrom("imports")
      .selectAll()
      .where("public_id", "=", publicId)
      .executeTakeFirstOrThrow();
    if (row.status === "completed" || row.status === "failed") return row;
    if (Date.now() > deadline) throw new Error(`import ${publicId} still ${row.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
