import { sql } from "kysely";
import type { FormFieldType, ListRow } from "../../db/types.js";
import { MAX_DESCRIPTION, MAX_SHORT_TEXT, tooLong } from "../bounds.js";
import type { Context, Queryable } from "../context.js";
import { Conflict, Validation, violatedUniqueIndex } from "../errors.js";
import { FORM_FIELD_TYPES, isGroupType } from "./form-types.js";
import { columnNameOf, mergeTagOf } from "./names.js";
import { loadFields } from "./read.js";
import type { ReadValue } from "./tagged-values.js";
import { fieldsOfList } from "./tagged-values.js";
import { coerceValue } from "./values.js";

// A custom field of one list, made with its form type: an option belongs to a radio, checkbox or
// drop down group of the list (or the account), and is one of that group's choices.

export interface FormFieldInput {
  /** Present (the caller says how a missing one reads). */
  name: string;
  type: FormFieldType;
  description: string;
  /** The default as the caller read it from its text: a raw value of the field's type, or why not. */
  default: ReadValue;
  /** The group's id, for an option. */
  group: string;
  groupTemplate: string;
  visible: boolean;
}

export interface CreatedFormField {
  id: string;
  mergeTag: string;
}

export const MAX_FIELD_NAME = 100;

async function groupOf(ctx: Context, db: Queryable, list: ListRow, group: string) {
  if (!/^\d{1,18}$/.test(group)) return undefined;
  return db
    .selectFrom("custom_fields")
    .select(["id", "form_type"])
    .where("account_id", "=", ctx.account.id)
    .where("id", "=", group)
    .where((eb) => eb.or([eb("list_id", "=", list.id), eb("list_id", "is", null)]))
    .forUpdate()
    .executeTakeFirst();
}

/** The stored default: null for none (a group has none). */
function defaultOf(type: FormFieldType, read: ReadValue): string | null {
  if (isGroupType(type)) return null;
  const coerced = read.ok
    ? coerceValue({ type: FORM_FIELD_TYPES[type], options: [] }, read.value)
    : read;
  if (!coerced.ok) throw Validation.of(["default"], coerced.message);
  return coerced.value === null ? null : JSON.stringify(coerced.value);
}

/**
 * Creates the field, checking one thing at a time: the lengths, the default, the option's group,
 * a merge tag free in the list. An option is added to its group's choices in the same transaction.
 */
export async function createFormField(
  ctx: Context,
  list: ListRow,
  input: FormFieldInput,
): Promise<CreatedFormField> {
  const { name, type } = input;
  if (name.length > MAX_FIELD_NAME) throw Validation.of(["name"], tooLong(MAX_FIELD_NAME));
  if (input.description.length > MAX_DESCRIPTION)
    throw Validation.of(["description"], tooLong(MAX_DESCRIPTION));
  if (input.groupTemplate.length > MAX_SHORT_TEXT)
    throw Validation.of(["groupTemplate"], tooLong(MAX_SHORT_TEXT));
  const mergeTag = mergeTagOf(name);
  const defaultValue = defaultOf(type, input.default);

  return ctx.db.transaction().execute(async (trx) => {
    let groupId: string | null = null;
    if (type === "option") {
      const group = await groupOf(ctx, trx, list, input.group);
      if (!group || !isGroupType(group.form_type))
        throw Validation.of(
          ["group"],
          `${input.group} is no radio, checkbox or drop down field of this list`,
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
          type: FORM_FIELD_TYPES[type],
          form_type: type,
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
