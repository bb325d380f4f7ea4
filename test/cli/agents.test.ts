import { afterAll, beforeAll, expect, it } from "vitest";
import { createAccount } from "../../src/domain/accounts/accounts.js";
import { runCli } from "../helpers/cli.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

// `agents add` and `agents list` in a process of their own, on this file's database: an agent
// added here is the one GraphQL and botbat's assign know; mistakes exit 1 or 2 and add nothing.

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const agentsOf = (accountId: string) =>
  database.db
    .selectFrom("agents")
    .select(["public_id", "name", "email"])
    .where("account_id", "=", accountId)
    .orderBy("id")
    .execute();

it("adds agents and lists them; a duplicate email (any case) or a bad one adds nothing", async () => {
  const { account } = await createAccount(database.db, { name: "Agents" });
  const added = await runCli(
    database.url,
    "agents",
    "add",
    "--account",
    account.sid,
    "--name",
    "Bob Agent",
    "--email",
    "bob@example.com",
    "--json",
  );
  expect(added).toMatchObject({ code: 0, stderr: "" });
  const { agent } = JSON.parse(added.stdout);
  const [stored] = await agentsOf(account.id);
  expect(agent).toMatchObject({
    id: Buffer.from(`Agent:${stored?.public_id}`).toString("base64"),
    publicId: stored?.public_id,
    name: "Bob Agent",
    email: "bob@example.com",
  });

  const duplicate = await runCli(
    database.url,
    "agents",
    "add",
    "--account",
    account.sid,
    "--name",
    "Bobby",
    "--email",
    "BOB@example.com",
  );
  expect(duplicate.code).toBe(1);
  expect(duplicate.stderr).toContain("already has the email");
  const invalid = await runCli(
    database.url,
    "agents",
    "add",
    "--account",
    account.sid,
    "--name",
    "Nope",
    "--email",
    "not-an-email",
  );
  expect(invalid.code).toBe(2);
  expect(invalid.stderr).toContain("email");
  const missing = await runCli(database.url, "agents", "add", "--account", account.sid);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain("--name is required");
  const unknownAccount = await runCli(database.url, "agents", "list", "--account", "0".repeat(32));
  expect(unknownAccount.code).toBe(1);
  expect(await agentsOf(account.id)).toHaveLength(1);

  const listed = await runCli(database.url, "agents", "list", "--account", account.sid);
  expect(listed.code).toBe(0);
  expect(listed.stdout).toMatch(/^ID\s+AGENT_ID\s+NAME\s+EMAIL\s+CREATED\n/);
  expect(listed.stdout).toContain("Bob Agent");
  expect(listed.stdout).toContain(stored?.public_id);
  const json = await runCli(database.url, "agents", "list", "--account", account.sid, "--json");
  expect(JSON.parse(json.stdout).agents.map((a: { email: string }) => a.email)).toEqual([
    "bob@example.com",
  ]);
});
