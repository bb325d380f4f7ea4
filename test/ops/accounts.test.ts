import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { createAccount } from "../../src/domain/accounts/accounts.js";
import { startGateway } from "../../src/gateway.js";
import { createLogger } from "../../src/log.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

// Accounts as an operator meets them: made with their key or not at all, and the first start's
// `default` account with OWNER_EMAIL as its owner.

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe("createAccount", () => {
  it("leaves no account behind when its key cannot be issued", async () => {
    // A real failure inside Postgres while the key is written.
    await sql`
      create function refuse_keys() returns trigger language plpgsql as
        $$ begin raise exception 'no keys today'; end $$;
      create trigger refuse_keys before insert on api_keys
        for each row execute function refuse_keys();
    `.execute(database.db);
    try {
      await expect(createAccount(database.db, { name: "Half-made" })).rejects.toThrow(
        "no keys today",
      );
      const accounts = await database.db
        .selectFrom("accounts")
        .select("id")
        .where("name", "=", "Half-made")
        .execute();
      expect(accounts).toEqual([]);
    } finally {
      await sql`drop trigger refuse_keys on api_keys; drop function refuse_keys();`.execute(
        database.db,
      );
    }
  });
});

describe("OWNER_EMAIL", () => {
  it("is checked when the configuration is read", () => {
    expect(loadConfig({ OWNER_EMAIL: "ops@example.com" }).OWNER_EMAIL).toBe("ops@example.com");
    expect(() => loadConfig({ OWNER_EMAIL: "ops" })).toThrow(ConfigError);
    expect(() => loadConfig({ OWNER_EMAIL: "ops" })).toThrow(
      'OWNER_EMAIL="ops": must be an email address',
    );
  });

  it("is the default account's owner email on the first start", async () => {
    const own = await createTestDatabase();
    const write = process.stdout.write;
    // The first start prints the default key on stdout: kept out of the test's output.
    process.stdout.write = () => true;
    try {
      const config = loadConfig({
        DATABASE_URL: own.url,
        PORT: "0",
        HOST: "127.0.0.1",
        WORKER: "off",
        OWNER_EMAIL: "ops@example.com",
      });
      const gateway = await startGateway(config, createLogger("silent"));
      await gateway.stop();
    } finally {
      process.stdout.write = write;
    }
    const accounts = await own.db.selectFrom("accounts").select(["name", "owner_email"]).execute();
    expect(accounts).toEqual([{ name: "default", owner_email: "ops@example.com" }]);
    await own.drop();
  });
});
