import { sql } from "kysely";
import type { CustomFieldType } from "../../db/types.js";
import { MAX_OPTION, tooLong } from "../bounds.js";
import type { Context, Queryable } from "../context.js";
import { Conflict, type Issue, NotFound, Validation, violatedUniqueIndex } from "../errors.js";
import { applyPage, type Page } from "../page.js";
import { columnNameOf, mergeTagOf } from "./names.js";
import { type CustomField, getFields } from "./read.js";
import { coerceValue } from "./values.js";

// Custom fields of an account: typed, with options for dropdowns, a default checked against the
// type, `required`, and an optional list scope. The type and the list are fixed at creation:
// stored values were checked against them.

export const FIELD_TYPES: readonly CustomFieldType[] = [
  "string",
  "number",
  "boolean",
  "date",
  "dropdown",
];
const MAX_NAME = 100;
const MAX_OPTIONS = 500;
const MAX_DESCRIPTION = 2_000;

export interface CustomFieldInput {
  name?: string | null;
  /** Only at creation. */
  type?: CustomFieldType | null;
  options?: readonly string[] | null;
  required?: boolean | null;
  /** A raw value of the field's type; null clears it. */
  default?: unknown;
  visible?: boolean | null;
  description?: string | null;
  /** Public id of the list the field belongs to; only at creation. */
  listId?: string | null;
}

type Stored = Pick<CustomField, "type" | "options" | "default_value">;

interface Cleaned {
  name?: string;
  options?: string[];
  required?: boolean;
  default_value?: string | null;
  visible?: boolean;
  description?: string | null;
}

/** Checks what a client sent against the field's type (the one sent, or the stored one). */
function clean(input: CustomFieldInput, current: Stored | null): Cleaned {
  const issues: Issue[] = [];
  const out: Cleaned = {};
  const issue = (field: string, message: string) => issues.push({ path: [field], message });

  if (current === null || input.name !== undefined) {
    const name = input.name?.trim() ?? "";
    if (!name) issue("name", "is required");
    else if (name.length > MAX_NAME) issue("name", `may be at most ${MAX_NAME} characters`);
    else out.name = name;
  }
  const type = current?.type ?? input.type;
  if (!type || !FIELD_TYPES.includes(type)) {
    issue("type", `must be one of ${FIELD_TYPES.join(", ")}`);
    throw new Validation(issues);
  }

  let options = current?.options ?? [];
  if (input.options !== undefined && input.options !== null) {
    if (type !== "dropdown") issue("options", "only a dropdown field has options");
    else {
      options = input.options.map((option) => option.trim());
      const seen = new Set<string>();
      options.forEach((option, index) => {
        if (!option) issues.push({ path: ["options", String(index)], message: "is empty" });
        else if (option.length > MAX_OPTION)
          issues.push({ path: ["options", String(index)], message: tooLong(MAX_OPTION) });
        else if (seen.has(option.toLowerCase()))
          issues.push({ path: ["options", String(index)], message: "is a duplicate" });
        seen.add(option.toLowerCase());
      });
      if (options.length > MAX_OPTIONS) issue("options", `may hold at most ${MAX_OPTIONS}`);
      out.options = options;
    }
  }
  if (type === "dropdown" && options.length === 0)
    issue("options", "a dropdown field needs at least one option");

  // The default is checked against the options it will live with, sent or stored.
  const rawDefault = input.default !== undefined ? input.default : current?.default_value;
  if (rawDefault !== undefined && rawDefault !== null) {
    const coerced = coerceValue({ type, options }, rawDefault);
    if (!coerced.ok) issue("default", coerced.message);
    else if (input.default !== undefined || out.options !== undefined)
      out.default_value = coerced.value === null ? null : JSON.stringify(coerced.value);
  } else if (input.default !== undefined) out.default_value = null;

  if (input.required !== undefined && input.required !== null) out.required = input.required;
  if (input.visible !== undefined && input.visible !== null) out.visible = input.visible;
  if (input.description !== undefined) {
    const description = input.description?.trim() || null;
    if (description !== null && description.length > MAX_DESCRIPTION)
      issue("description", `may be at most ${MAX_DESCRIPTION} characters`);
    else out.description = description;
  }
  if (issues.length > 0) throw new Validation(issues);
  return out;
}

function duplicateName(error: unknown, name: string | undefined): Conflict | null {
  if (violatedUniqueIndex(error) !== "custom_fields_name") return null;
  return new Conflict(`a custom field named "${name}" already exists for this account or list`);
}

async function listIdOf(ctx: Context, db: Queryable, publicId: string): Promise<string> {
  const list = await db
    .selectFrom("lists")
    .select("id")
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "=", publicId)
    .executeTakeFirst();
  if (!list) throw new NotFound("List", publicId);
  return list.id;
}

export async function getField(ctx: Context, publicId: string): Promise<CustomField> {
  const [field] = await getFields(ctx, [publicId]);
  if (!field) throw new NotFound("CustomField", publicId);
  return field;
}

export async function createField(ctx: Context, input: CustomFieldInput): Promise<CustomField> {
  const cleaned = clean(input, null);
  const listId = input.listId ? await listIdOf(ctx, ctx.db, input.listId) : null;
  const name = cleaned.name as string;
  try {
    const row = await ctx.db
      .insertInto("custom_fields")
      .values({
        ...cleaned,
        account_id: ctx.account.id,
        list_id: listId,
        name,
        type: input.type as CustomFieldType,
        merge_tag: mergeTagOf(name),
        column_name: columnNameOf(name),
      })
      .returning("public_id")
      .executeTakeFirstOrThrow();
    return getField(ctx, row.public_id);
  } catch (error) {
    throw duplicateName(error, name) ?? error;
  }
}

export async function updateField(
  ctx: Context,
  publicId: string,
  input: CustomFieldInput,
): Promise<CustomField> {
  await ctx.db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom("custom_fields")
      .select(["id", "type", "options", "default_value"])
      .where("account_id", "=", ctx.account.id)
      .where("public_id", "=", publicId)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw new NotFound("CustomField", publicId);
    const cleaned = clean(input, current);
    if (Object.keys(cleaned).length === 0) return;
    try {
      await trx
        .updateTable("custom_fields")
        .set({ ...cleaned, updated_at: new Date() })
        .where("account_id", "=", ctx.account.id)
        .where("id", "=", current.id)
        .execute();
    } catch (error) {
      throw duplicateName(error, cleaned.name) ?? error;
    }
  });
  return getField(ctx, publicId);
}

/** Deletes the field and the values subscribers had for it. */
export async function deleteField(ctx: Context, publicId: string): Promise<string> {
  return ctx.db.transaction().execute(async (trx) => {
    const field = await trx
      .deleteFrom("custom_fields")
      .where("account_id", "=", ctx.account.id)
      .where("public_id", "=", publicId)
      .returning("id")
      .executeTakeFirst();
    if (!field) throw new NotFound("CustomField", publicId);
    await trx
      .updateTable("subscribers")
      .set({ custom_values: sql`custom_values - ${field.id}::text` })
      .where("account_id", "=", ctx.account.id)
      .where(sql<boolean>`custom_values ? ${field.id}::text`)
      .execute();
    return publicId;
  });
}

export interface CustomFieldFilter {
  /** Public id of a list: its fields only. */
  listId?: string | null;
}

function filtered(ctx: Context, filter: CustomFieldFilter) {
  let query = ctx.db
    .selectFrom("custom_fields")
    .where("custom_fields.account_id", "=", ctx.account.id);
  if (filter.listId) {
    const listId = filter.listId;
    query = query.where("custom_fields.list_id", "in", (sub) =>
      sub
        .selectFrom("lists")
        .select("lists.id")
        .where("lists.account_id", "=", ctx.account.id)
        .where("lists.public_id", "=", listId),
    );
  }
  return query;
}

export function pageFields(
  ctx: Context,
  filter: CustomFieldFilter,
  page: Page,
): Promise<CustomField[]> {
  const query = filtered(ctx, filter)
    .leftJoin("lists", (join) =>
      join
        .onRef("lists.id", "=", "custom_fields.list_id")
        .onRef("lists.account_id", "=", "custom_fields.account_id"),
    )
    .selectAll("custom_fields")
    .select("lists.public_id as list_public_id");
  return applyPage(query, "custom_fields.id", page).execute();
}

export async function countFields(ctx: Context, filter: CustomFieldFilter): Promise<number> {
  const { count } = await filtered(ctx, filter)
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(count);
}
