import { sql } from "kysely";
import type { ListRow, MailtrainFieldType } from "../../db/types.js";
import { MAX_DESCRIPTION, MAX_SHORT_TEXT, tooLong } from "../bounds.js";
import type { Context, Queryable } from "../context.js";
import { Conflict, Validation, violatedUniqueIndex } from "../errors.js";
import { columnNameOf, mergeTagOf } from "../fields/names.js";
import { loadFields } from "../fields/read.js";
import { coerceValue } from "../fields/values.js";
import { isGroupType, isMailtrainType, MAILTRAIN_TYPES } from "./field-types.js";
import { fieldsOfList, readMergeValue } from "./values.js";

// Mailtrain's POST /api/field/:listId: a custom field of one list, typed the Mailtrain way.

export interface MailtrainFieldInput {
  name: string;
  type: string;
  description: string;
  default: string;
  group: string;
  groupTemplate: string;
  visible: boolean;
}

export interface CreatedField {
  id: string;
  mergeTag: string;
}

const MAX_NAME = 100;

async function groupOf(ctx: Context, db: Queryable, list: ListRow, group: string) {
  if (!/^\d{1,18}$/.test(group)) return undefined;
  return db
    .selectFrom("custom_fields")
    .select(["id", "mailtrain_type"])
    .where("account_id", "=", ctx.account.id)
    .where("id", "=", group)
    .where((eb) => eb.or([eb("list_id", "=", list.id), eb("list_id", "is", null)]))
    .forUpdate()
    .executeTakeFirst();
}

/** The stored default: Mailtrain's text read like a subscribe value of the field's type. */
function defaultOf(type: MailtrainFieldType, raw: string): string | null {
  if (raw === "" || isGroupType(type)) return null;
  const field = { type: MAILTRAIN_TYPES[type], mailtrain_type: type, options: [] };
  const read = readMergeValue(field, raw);
  const coerced = read.ok ? coerceValue(field, read.value) : read;
  if (!coerced.ok) throw Validation.of(["DEFAULT"], `DEFAULT: ${coerced.message}`);
  return coerced.value === null ? null : JSON.stringify(coerced.value);
}

/**
 * Creates the field, checking in Mailtrain's order: an option needs a group, the type must be
 * known, the name present. An option is added to its group's choices in the same transaction.
 */
export async function createMailtrainField(
  ctx: Context,
  list: ListRow,
  input: MailtrainFieldInput,
): Promise<CreatedField> {
  const type = input.type.toLowerCase();
  if (type === "option" && !input.group)
    throw Validation.of(["GROUP"], "Option field requires a group to be selected");
  if (!isMailtrainType(type)) throw Validation.of(["TYPE"], `Unknown column type ${type}`);
  const name = input.name;
  if (!name) throw Validation.of(["NAME"], "Missing column name");
  if (name.length > MAX_NAME)
    throw Validation.of(["NAME"], `NAME may be at most ${MAX_NAME} characters`);
  if (input.description.length > MAX_DESCRIPTION)
    throw Validation.of(["DESCRIPTION"], `DESCRIPTION ${tooLong(MAX_DESCRIPTION)}`);
  if (input.groupTemplate.length > MAX_SHORT_TEXT)
    throw Validation.of(["GROUP_TEMPLATE"], `GROUP_TEMPLATE ${tooLong(MAX_SHORT_TEXT)}`);
  const mergeTag = mergeTagOf(name);
  const defaultValue = defaultOf(type, input.default);

  return ctx.db.transaction().execute(async (trx) => {
    let groupId: string | null = null;
    if (type === "option") {
      const group = await groupOf(ctx, trx, list, input.group);
      if (!group || !isGroupType(group.mailtrain_type))
        throw Validation.of(
          ["GROUP"],
          `Group ${input.group} is no radio, checkbox or drop down field of this list`,
        );
      groupId = group.id;
    }
    const taken = fieldsOfList(await loadFields(ctx, trx), list.id).some(
      (field) => field.merge_tag === mergeTag,
    );
    if (taken) throw new Conflict(`Merge tag ${mergeTag} is already used by a field of this list`);
    try {
      const field = await trx
        .insertInto("custom_fields")
        .values({
          account_id: ctx.account.id,
          list_id: list.id,
          name,
          type: MAILTRAIN_TYPES[type],
          mailtrain_type: type,
          default_value: defaultValue,
          visible: input.visible,
          description: input.description || null,
          group_id: groupId,
          group_template: input.groupTemplate.toLowerCase() || null,
          merge_tag: mergeTag,
          column_name: columnNameOf(name),
        })
        .returning(["id", "merge_tag"])
        .executeTakeFirstOrThrow();
      if (groupId !== null) {
        // The group's choices, as GraphQL shows a dropdown's options.
        await trx
          .updateTable("custom_fields")
          .set({ options: sql`array_append(options, ${name})`, updated_at: new Date() })
          .where("account_id", "=", ctx.account.id)
          .where("id", "=", groupId)
          .execute();
      }
      return { id: field.id, mergeTag: field.merge_tag };
    } catch (error) {
      if (violatedUniqueIndex(error) === "custom_fields_name")
        throw new Conflict(`A field named "${name}" already exists in this list`);
      throw error;
    }
  });
}
