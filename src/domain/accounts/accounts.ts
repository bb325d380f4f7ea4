import type { DB } from "../../db/database.js";
import type { Account } from "../../db/types.js";
import { isEmail } from "../email.js";
import { NotFound, Validation } from "../errors.js";
import { type IssuedKey, issueKey } from "./keys.js";

export async function createAccount(
  db: DB,
  input: { name: string; ownerEmail?: string | null },
): Promise<{ account: Account } & IssuedKey> {
  const name = input.name.trim();
  if (!name) throw Validation.of(["name"], "name is required");
  const ownerEmail = input.ownerEmail?.trim() || null;
  if (ownerEmail !== null && !isEmail(ownerEmail))
    throw Validation.of(["email"], `"${ownerEmail}" is not an email address`);
  const account = await db
    .insertInto("accounts")
    .values({ name, owner_email: ownerEmail })
    .returningAll()
    .executeTakeFirstOrThrow();
  const issued = await issueKey(db, account.id);
  return { account, ...issued };
}

export async function findAccountBySid(db: DB, sid: string): Promise<Account> {
  const account = await db
    .selectFrom("accounts")
    .selectAll()
    .where("sid", "=", sid.toLowerCase())
    .executeTakeFirst();
  if (!account) throw new NotFound("Account", sid);
  return account;
}

/** On the first start of an empty database, a `default` account so GraphiQL works at once. */
export async function createDefaultAccountIfEmpty(
  db: DB,
): Promise<({ account: Account } & IssuedKey) | null> {
  const any = await db.selectFrom("accounts").select("id").limit(1).executeTakeFirst();
  if (any) return null;
  return createAccount(db, { name: "default" });
}
