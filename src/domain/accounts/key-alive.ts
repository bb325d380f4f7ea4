import type { DB } from "../../db/database.js";

/**
 * Whether the key is still unrevoked, read now (no cache): an open subscription asks at each
 * change it is about to show, so that a key revoked through any process stops seeing data at once.
 */
export async function keyIsLive(db: DB, keyId: string): Promise<boolean> {
  const row = await db
    .selectFrom("api_keys")
    .select("id")
    .where("id", "=", keyId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return row !== undefined;
}
