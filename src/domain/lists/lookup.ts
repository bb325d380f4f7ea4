import type { ListRow } from "../../db/types.js";
import type { Queryable } from "../context.js";
import { NotFound } from "../errors.js";

// A list named by its public id, always within the account: the one home of that lookup.

export async function listOfPublicId(
  db: Queryable,
  accountId: string,
  publicId: string,
): Promise<ListRow | null> {
  const list = await db
    .selectFrom("lists")
    .selectAll()
    .where("account_id", "=", accountId)
    .where("public_id", "=", publicId)
    .executeTakeFirst();
  return list ?? null;
}

/** The list's internal id; NotFound when the account has no list with that public id. */
export async function internalListId(
  db: Queryable,
  accountId: string,
  publicId: string,
): Promise<string> {
  const list = await listOfPublicId(db, accountId, publicId);
  if (!list) throw new NotFound("List", publicId);
  return list.id;
}
