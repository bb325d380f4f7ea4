import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../../src/domain/accounts/accounts.js";
import { authenticate } from "../../src/domain/accounts/keys.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

// The CLI in a process of its own, on this file's database through DATABASE_URL: its sources
// through tsx (`npm run dev:cli`), so that it tests the code as it is now, not the last build
// that bin/contact-gateway.js runs (test/ops/build.test.ts builds and runs that one).

let database: TestDatabase;
let dir: string;
beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), "cg-cli-"));
});
afterAll(async () => {
  await database?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
      env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (data) => (stdout += data));
    child.stderr.on("data", (data) => (stderr += data));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A GraphQL global id, as GraphiQL shows it. */
function globalId(typename: string, publicId: string): string {
  return Buffer.from(`${typename}:${publicId}`).toString("base64");
}

/** Set-up done in-process: only the behaviour under test pays for a CLI process. */
async function newAccount(name: string): Promise<{ id: string; sid: string; apiKey: string }> {
  const { account, secret } = await createAccount(database.db, { name });
  return { id: account.id, sid: account.sid, apiKey: secret };
}

describe("contact-gateway accounts and keys", () => {
  it("accounts create --json prints exactly the account and its key", async () => {
    const run = await cli(
      "accounts",
      "create",
      "--name",
      "Acme",
      "--email",
      "owner@acme.test",
      "--json",
    );
    expect(run).toMatchObject({ code: 0, stderr: "" });
    const printed = JSON.parse(run.stdout);
    expect(Object.keys(printed)).toEqual(["account", "apiKey"]);
    expect(Object.keys(printed.account)).toEqual(["id", "sid", "name"]);
    expect(printed.account.id).toMatch(/^\d+$/);
    expect(printed.account.sid).toMatch(/^[0-9a-f]{32}$/);
    expect(printed.account.name).toBe("Acme");
    expect(printed.apiKey).toMatch(/^[0-9a-f]{40}$/);

    const stored = await database.db
      .selectFrom("accounts")
      .selectAll()
      .where("id", "=", printed.account.id)
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ sid: printed.account.sid, owner_email: "owner@acme.test" });
    const found = await authenticate(database.db, printed.apiKey);
    expect(found?.account.id).toBe(printed.account.id);
    expect(found?.key.scopes).toContain("admin");
  });

  it("keys create, list and revoke; a listed key never shows its secret", async () => {
    const account = await newAccount("Keys");
    const created = await cli(
      "keys",
      "create",
      "--account",
      account.sid,
      "--scopes",
      "subscribers:read, lists:read",
      "--label",
      "ci",
      "--json",
    );
    expect(created.code).toBe(0);
    const issued = JSON.parse(created.stdout);
    expect(issued).toEqual({
      key: {
        id: expect.any(String),
        label: "ci",
        scopes: ["subscribers:read", "lists:read"],
        sandbox: false,
        createdAt: expect.any(String),
        lastUsedAt: null,
        revokedAt: null,
      },
      apiKey: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    const found = await authenticate(database.db, issued.apiKey);
    // GraphQL's global id of the key, as `keys list` and the ApiKey type show it.
    expect(issued.key.id).toBe(globalId("ApiKey", found?.key.publicId as string));
    expect(found?.key.scopes).toEqual(issued.key.scopes);

    const listed = await cli("keys", "list", "--account", account.sid, "--json");
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(issued.apiKey);
    expect(listed.stdout).not.toContain(account.apiKey);
    const { keys } = JSON.parse(listed.stdout);
    expect(keys).toHaveLength(2);
    const ci = keys.find((key: { label: string | null }) => key.label === "ci");
    expect(ci).toMatchObject({ scopes: ["subscribers:read", "lists:read"], revokedAt: null });
    expect(ci.id).toBe(issued.key.id);

    const text = await cli("keys", "list", "--account", account.sid);
    expect(text.stdout).toContain(ci.id);
    expect(text.stdout).not.toContain(issued.apiKey);

    const revoked = await cli("keys", "revoke", "--account", account.sid, ci.id, "--json");
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout).key).toMatchObject({
      id: ci.id,
      revokedAt: expect.any(String),
    });
    const stored = await database.db
      .selectFrom("api_keys")
      .select(["public_id", "revoked_at"])
      .where("account_id", "=", account.id)
      .orderBy("id")
      .execute();
    expect(
      stored.map((key) => [globalId("ApiKey", key.public_id) === ci.id, key.revoked_at !== null]),
    ).toEqual([
      [false, false],
      [true, true],
    ]);
  });

  it("accounts update sets the owner email and the name, and clears the email", async () => {
    const account = await newAccount("Owner");
    const set = await cli(
      "accounts",
      "update",
      "--account",
      account.sid,
      "--email",
      "boss@owner.test",
      "--name",
      "Owner Ltd",
      "--json",
    );
    expect(set).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(set.stdout)).toEqual({
      account: {
        id: account.id,
        sid: account.sid,
        name: "Owner Ltd",
        ownerEmail: "boss@owner.test",
      },
    });
    const stored = () =>
      database.db
        .selectFrom("accounts")
        .select(["name", "owner_email"])
        .where("id", "=", account.id)
        .executeTakeFirstOrThrow();
    expect(await stored()).toEqual({ name: "Owner Ltd", owner_email: "boss@owner.test" });

    const [bad, nothing, unknown] = await Promise.all([
      cli("accounts", "update", "--account", account.sid, "--email", "boss"),
      cli("accounts", "update", "--account", account.sid),
      cli("accounts", "update", "--account", "0".repeat(32), "--email", "a@b.test"),
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--email: "boss" is not an email address');
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain("give --name, --email or both");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("not found");
    expect(await stored()).toEqual({ name: "Owner Ltd", owner_email: "boss@owner.test" });

    const cleared = await cli("accounts", "update", "--account", account.sid, "--email", "");
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toContain("owner email (none)");
    expect(await stored()).toEqual({ name: "Owner Ltd", owner_email: null });
  });

  it("exits 2 with a message for a bad scope, and issues nothing", async () => {
    const account = await newAccount("Scopes");
    const run = await cli(
      "keys",
      "create",
      "--account",
      account.sid,
      "--scopes",
      "subscribers:read,foo:read",
    );
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("unknown scope foo:read");
    const keys = await database.db
      .selectFrom("api_keys")
      .select("id")
      .where("account_id", "=", account.id)
      .execute();
    expect(keys).toHaveLength(1);
  });

  it("exits 2 for usage errors and 1 for an unknown account or key", async () => {
    const account = await newAccount("Usage");
    const usage = await Promise.all([
      cli("frobnicate"),
      cli("accounts", "create"),
      cli("accounts", "create", "--name", "X", "--colour", "red"),
      cli("keys", "revoke", "--account", account.sid),
      cli("keys"),
      cli(),
    ]);
    for (const run of usage) {
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /^contact-gateway: .+\nRun "contact-gateway --help" for usage\.\n$/,
      );
    }
    expect(usage[0].stderr).toContain('unknown command "frobnicate"');
    expect(usage[1].stderr).toContain("--name is required");
    expect(usage[2].stderr).toContain("--colour");

    const missing = await Promise.all([
      cli("keys", "list", "--account", "0".repeat(32)),
      cli("keys", "revoke", "--account", account.sid, "f".repeat(32)),
    ]);
    for (const run of missing) {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/not found/);
    }
    const help = await cli("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("keys create --account SID");
  });
});

describe("contact-gateway import", () => {
  it("imports a file in this process and prints the final import with --json", async () => {
    const account = await newAccount("Importer");
    const list = await database.db
      .insertInto("lists")
      .values({ account_id: account.id, name: "From the CLI" })
      .returning(["id", "public_id"])
      .executeTakeFirstOrThrow();
    const file = path.join(dir, "people.csv");
    await writeFile(file, "email,first_name\nann@example.com,Ann\nnope,Bob\nbea@example.com,Bea\n");

    const run = await cli(
      "import",
      file,
      "--account",
      account.sid,
      "--list",
      list.public_id,
      "--json",
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const { import: done } = JSON.parse(run.stdout);
    const stored = await database.db
      .selectFrom("imports")
      .select("public_id")
      .where("account_id", "=", account.id)
      .executeTakeFirstOrThrow();
    // GraphQL's vocabulary: the Import's global id and the ImportStatus enum's value.
    expect(done).toMatchObject({
      id: globalId("Import", stored.public_id),
      status: "COMPLETED",
      source: "cli",
      filename: "people.csv",
      total: 3,
      created: 2,
      updated: 0,
      invalid: 1,
      processed: 3,
      failure: null,
      errors: [{ row: 2, email: "nope", message: '"nope" is not an email address' }],
    });
    const members = await database.db
      .selectFrom("subscriptions")
      .innerJoin("subscribers", "subscribers.id", "subscriptions.subscriber_id")
      .select("subscribers.email")
      .where("subscriptions.list_id", "=", list.id)
      .orderBy("subscribers.email")
      .execute();
    expect(members.map((member) => member.email)).toEqual(["ann@example.com", "bea@example.com"]);
    // The fallback job queued with the import is gone once the CLI finished it.
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from graphile_worker.jobs`.execute(database.db);
    expect(rows[0].n).toBe(0);

    const summary = await cli("import", file, "--account", account.sid);
    expect(summary.code).toBe(0);
    expect(summary.stdout).toMatch(/completed.*3 rows, 0 created, 2 updated, 1 invalid/);
    expect(summary.stdout).toContain('row 2 (nope): "nope" is not an email address');
  });

  it("exits 1 for a file it cannot import, a missing file or an unknown list", async () => {
    const account = await newAccount("Failures");
    const file = path.join(dir, "no-email.csv");
    await writeFile(file, "name,phone\nAnn,123\n");
    const [failed, missing, unknownList] = await Promise.all([
      cli("import", file, "--account", account.sid, "--json"),
      cli("import", path.join(dir, "absent.csv"), "--account", account.sid),
      cli("import", file, "--account", account.sid, "--list", "AbC0".repeat(8)),
    ]);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).import).toMatchObject({
      status: "FAILED",
      failure: expect.stringContaining("no email column"),
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no such file");
    expect(unknownList.code).toBe(1);
    expect(unknownList.stderr).toContain(`List ${"AbC0".repeat(8)} not found`);
  });
});
