import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";

/**
 * Drops a test database and the sessions still on it. `with (force)` must terminate every backend
 * on the database, and a role that is not superuser may not terminate an autovacuum worker (it
 * belongs to no role): PostgreSQL then refuses with 42501 or, without force, 55006 "in use". The
 * worker finishes or yields within moments, so both are retried for up to 30 s; anything else is
 * a real failure.
 */
export async function dropDatabase(admin: pg.Client, name: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await admin.query(`drop database if exists "${name}" with (force)`);
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if ((code !== "42501" && code !== "55006") || Date.now() > deadline) throw error;
      await sleep(250);
    }
  }
}
