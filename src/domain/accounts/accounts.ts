import type { DB } from "../../db/database.js";
import type { Account } from "../../db/types.js";
import { isEmail } from "../email.js";
import { type Issue, NotFound, Validation } from "../errors.js";
import { forgetCachedKeys, type IssuedKey, issueKeyIn } from "./keys.js";

/** Longest account name: a label for people, not a document. */
const MAX_NAME = 200;

function checkName(raw: string, path: string[]): string {
  const name = raw.trim();
  if (!name) throw Validation.of(path, "name is required");
  if (name.length > MAX_NAME)
    throw Validation.of(path, `name may be at most ${MAX_NAME} characters`);
  return name;
}

/** Blank clears the address (null). */
function checkOwnerEmail(raw: string | null | undefined, path: string[]): string | null {
  const ownerEmail = raw?.trim() || null;
  if (ownerEmail !== null && !isEmail(ownerEmail))
    throw Validation.of(path, `"${ownerEmail}" is not an email address`);
  return ownerEmail;
}

/** The account and its first key (every scope) in one transaction: never one without the other. */
export async function createAccount(
  db: DB,
  input: { name: string; ownerEmail?: string | null },
): Promise<{ account: Account } & IssuedKey> {
  const name = checkName(input.name, ["name"]);
  const ownerEmail = checkOwnerEmail(input.ownerEmail, ["email"]);
  return db.transaction().execute(async (trx) => {
    const account = await trx
      .insertInto("accounts")
      .values({ name, owner_email: ownerEmail })
      .returningAll()
      .executeTakeFirstOrThrow();
    const issued = await issueKeyIn(trx, account.id);
    return { account, ...issued };
  });
}

/**
 * Changes what is sent (undefined leaves a value as it is; a blank or null email clears it).
 * Keys checked in this process see the change at once; in another, within the key cache's time.
 */
export async function updateAccount(
  db: DB,
  accountId: string,
  input: { name?: string | null; ownerEmail?: string | null },
  paths: { name: string[]; ownerEmail: string[] } = { name: ["name"], ownerEmail: ["ownerEmail"] },
): Promise<Account> {
  const issues: Issue[] = [];
  const changes: { name?: string; owner_email?: string | null } = {};
  if (input.name !== undefined) {
    try {
      changes.name = checkName(input.name ?? "", paths.name);
    } catch (error) {
      if (!(error instanceof Validation)) throw error;
      issues.push(...error.issues);
    }
  }
  if (input.ownerEmail !== undefined) {
    try {
      changes.owner_email = checkOwnerEmail(input.ownerEmail, paths.ownerEmail);
    } catch (error) {
      if (!(error instanceof Validation)) throw error;
      issues.push(...error.issues);
    }
  }
  if (issues.length > 0) throw new Validation(issues);
  const query =
    Object.keys(changes).length === 0
      ? db.selectFrom("accounts").selectAll().where("id", "=", accountId)
      : db
          .updateTable("accounts")
          .set({ ...changes, updated_at: new Date() })
          .where("id", "=", accountId)
          .returningAll();
  const account = await query.executeTakeFirst();
  if (!account) throw new NotFound("Account", accountId);
  forgetCachedKeys();
  return account;
}

export async function findAccountBySid(db: DB, sid: string): Promise<Account> {
  const account = await db
    .selectFrom("accounts")
    .selectAll()
    .where("sid", "=", sid.trim().toLowerCase())
    .executeTakeFirst();
  if (!account) throw new NotFound("Account", sid);
  return account;
}

/**
 * On the first start of an empty database, a `default` account so GraphiQL works at once; its
 * owner email (OWNER_EMAIL) is where batch import reports go.
 */
export async function createDefaultAccountIfEmpty(
  db: DB,
  options: { ownerEmail?: string | null } = {},
): Promise<({ account: Account } & IssuedKey) | null> {
  const any = await db.selectFrom("accounts").select("id").limit(1).executeTakeFirst();
  if (any) return null;
  return createAccount(db, { name: "default", ownerEmail: options.ownerEmail });
}
