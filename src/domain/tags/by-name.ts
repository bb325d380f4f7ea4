import { sql } from "kysely";
import type { SubscriberRow, TagRow } from "../../db/types.js";
import type { Context, Queryable } from "../context.js";
import type { Issue } from "../errors.js";
import type { SubscriberInput } from "../subscribers/input.js";
import { upsertSubscribers } from "../subscribers/upsert.js";
import { attachTags } from "./tagging.js";

// Tags named by clients that know no tag ids (REST batches): a name matches the account's tag of that
// name in any case, and a new name creates an active tag spelled as given.

const MAX_NAME = 100;
const MAX_NAMES = 100;

/**
 * The names to use: trimmed, blanks dropped, one per name in any case (the first spelling). A
 * name too long, or too many names, is a Validation issue at `path`.
 */
export function checkTagNames(
  names: readonly string[],
  path: string[],
): { names: string[]; issues: Issue[] } {
  const issues: Issue[] = [];
  const seen = new Set<string>();
  const kept: string[] = [];
  names.forEach((raw, index) => {
    const name = raw.trim();
    if (name === "") return;
    if (name.length > MAX_NAME) {
      issues.push({
        path: [...path, String(index)],
        message: `may be at most ${MAX_NAME} characters`,
      });
      return;
    }
    if (seen.has(name.toLowerCase())) return;
    seen.add(name.toLowerCase());
    kept.push(name);
  });
  if (kept.length > MAX_NAMES)
    issues.push({ path, message: `may hold at most ${MAX_NAMES} tags (${kept.length} given)` });
  return { names: kept, issues };
}

/** The account's tags with these names (checked names), created where there is none yet. */
export async function findOrCreateTags(
  ctx: Context,
  db: Queryable,
  names: readonly string[],
): Promise<TagRow[]> {
  if (names.length === 0) return [];
  await db
    .insertInto("tags")
    .values(names.map((name) => ({ account_id: ctx.account.id, name })))
    .onConflict((conflict) => conflict.expression(sql`account_id, lower(name)`).doNothing())
    .execute();
  return db
    .selectFrom("tags")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where(
      sql<string>`lower(name)`,
      "in",
      names.map((name) => name.toLowerCase()),
    )
    .execute();
}

/**
 * Creates or updates one subscriber by email and adds the named tags to it (tags it already has
 * stay), in one transaction: a refused input writes neither the subscriber nor a tag, and its
 * tag problems are reported with the subscriber's.
 */
export async function upsertSubscriberWithTagNames(
  ctx: Context,
  input: SubscriberInput,
  tagNames: readonly string[],
): Promise<{ subscriber: SubscriberRow; created: boolean; tags: TagRow[] }> {
  const checked = checkTagNames(tagNames, ["tags"]);
  return ctx.db.transaction().execute(async (trx) => {
    const result = await upsertSubscribers(ctx, [input], trx, checked.issues);
    const [subscriber] = result.subscribers;
    const tags = await findOrCreateTags(ctx, trx, checked.names);
    await attachTags(trx, ctx.account.id, subscriber.id, tags);
    return { subscriber, created: result.created === 1, tags };
  });
}
