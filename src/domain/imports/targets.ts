import { sql } from "kysely";
import type { ListRow, TagRow } from "../../db/types.js";
import type { Context } from "../context.js";
import { type Issue, Validation } from "../errors.js";
import { type CustomField, loadFields } from "../fields/read.js";
import { listOfPublicId } from "../lists/lookup.js";
import { getTags } from "../tags/read.js";

// What a batch of rows is checked against before any of it is queued as an import: the list and
// tags it names (all must be the account's), the custom fields its values may use, and which of
// its emails the account already has.

export interface ImportTargets {
  list: ListRow | null;
  tags: TagRow[];
  /** Account-wide fields and the list's own, oldest first (as the import job matches them). */
  fields: CustomField[];
}

export interface ImportTargetInput {
  /** Public id of the list every imported subscriber joins. */
  listId?: string | null;
  /** Public ids of tags every imported subscriber gets. */
  tagIds?: readonly string[];
  /** Where the list id and tag ids sit in the caller's input, for issue paths. */
  paths: { listId: string[]; tagIds: string[] };
}

/** Throws Validation naming every list or tag id the account does not have. */
export async function resolveImportTargets(
  ctx: Context,
  input: ImportTargetInput,
): Promise<ImportTargets> {
  const tagIds = [...new Set(input.tagIds ?? [])];
  const [list, tags, fields] = await Promise.all([
    input.listId ? listOfPublicId(ctx.db, ctx.account.id, input.listId) : Promise.resolve(null),
    getTags(ctx, tagIds),
    loadFields(ctx),
  ]);
  const issues: Issue[] = [];
  if (input.listId && !list) {
    issues.push({ path: input.paths.listId, message: `no list ${input.listId} in this account` });
  }
  tagIds.forEach((id, index) => {
    if (!tags[index]) {
      const at = (input.tagIds ?? []).indexOf(id);
      issues.push({
        path: [...input.paths.tagIds, String(at)],
        message: `no tag ${id} in this account`,
      });
    }
  });
  if (issues.length > 0) throw new Validation(issues);
  const usable = fields.filter((field) => field.list_id === null || field.list_id === list?.id);
  return { list: list ?? null, tags: tags as TagRow[], fields: usable };
}

/** The lower-cased emails among these that the account already has. */
export async function existingEmails(
  ctx: Context,
  emails: readonly string[],
): Promise<Set<string>> {
  const wanted = [...new Set(emails.map((email) => email.toLowerCase()))];
  if (wanted.length === 0) return new Set();
  const rows = await ctx.db
    .selectFrom("subscribers")
    .select(sql<string>`lower(email)`.as("email"))
    .where("account_id", "=", ctx.account.id)
    .where(sql`lower(email)`, "in", wanted)
    .execute();
  return new Set(rows.map((row) => row.email));
}
