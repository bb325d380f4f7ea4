import { createContextCache } from "@pothos/core";
import { encodeGlobalID } from "@pothos/plugin-relay";
import {
  type CustomFieldInput,
  countFields,
  createField,
  deleteField,
  pageFields,
  updateField,
} from "../domain/fields/fields.js";
import { type CustomField, getFields, loadFields } from "../domain/fields/read.js";
import { builder } from "./builder.js";
import { domainOf, type GraphQLContext } from "./context.js";
import { mutationErrors } from "./errors.js";
import { filterIdOf } from "./filter-ids.js";
import { publicIdOf } from "./ids.js";
import { keysetConnection } from "./pagination.js";
import { scopedConnection } from "./scoped-connection.js";

const READ = { scope: "fields:read" } as const;
const WRITE = { scope: "fields:write" } as const;

/**
 * The account's custom fields, loaded once per request however many subscribers it shows
 * (custom values need their fields). Field mutations forget them, so a later selection in the
 * same request sees the change.
 */
export const accountFields = createContextCache((context: GraphQLContext) =>
  loadFields(domainOf(context)),
);

export const CustomFieldTypeEnum = builder.enumType("CustomFieldType", {
  values: {
    STRING: { value: "string" },
    NUMBER: { value: "number" },
    BOOLEAN: { value: "boolean" },
    DATE: { value: "date" },
    DROPDOWN: { value: "dropdown" },
  } as const,
});

export const CustomFieldRef = builder.node(builder.objectRef<CustomField>("CustomField"), {
  description: "A typed field of the account's subscribers, account-wide or for one list.",
  id: { resolve: (field) => field.public_id },
  authScopes: READ,
  loadMany: (publicIds, context) => getFields(domainOf(context), publicIds),
  fields: (t) => ({
    name: t.exposeString("name"),
    type: t.expose("type", { type: CustomFieldTypeEnum }),
    options: t.exposeStringList("options", { description: "The choices of a dropdown field." }),
    required: t.exposeBoolean("required", {
      description: "Every write of an account-wide required field must leave it with a value.",
    }),
    default: t.field({
      type: "JSON",
      nullable: true,
      description: "The value a new subscriber gets when none is sent.",
      resolve: (field) => field.default_value ?? null,
    }),
    visible: t.exposeBoolean("visible"),
    description: t.exposeString("description", { nullable: true }),
    mergeTag: t.exposeString("merge_tag", { description: "e.g. MERGE_COMPANY_SIZE" }),
    columnName: t.exposeString("column_name"),
    listId: t.id({
      nullable: true,
      description: "Global id of the List the field belongs to; null for an account-wide field.",
      resolve: (field) =>
        field.list_public_id === null ? null : encodeGlobalID("List", field.list_public_id),
    }),
    createdAt: t.expose("created_at", { type: "DateTime" }),
    updatedAt: t.expose("updated_at", { type: "DateTime" }),
  }),
});

function fieldIdOf(globalId: string): string {
  return publicIdOf(globalId, "CustomField");
}

function listIdOf(globalId: string | null | undefined): string | undefined {
  return globalId == null ? undefined : publicIdOf(globalId, "List");
}

const CustomFieldFilter = builder.inputType("CustomFieldFilter", {
  fields: (t) => ({ listId: t.id({ description: "The fields of this list only." }) }),
});

builder.queryField("customFields", (t) =>
  scopedConnection(t, {
    scope: READ.scope,
    type: CustomFieldRef,
    description: "The account's custom fields, oldest first.",
    args: { filter: t.arg({ type: CustomFieldFilter }) },
    resolve: (_root, args, context) => {
      const domain = domainOf(context);
      const filter = { listId: filterIdOf(args.filter?.listId, "List", "listId") };
      return keysetConnection(
        args,
        (page) => pageFields(domain, filter, page),
        () => countFields(domain, filter),
      );
    },
  }),
);

/** After a field changes, values shown later in the same request use the new definitions. */
function forgetFields<T>(context: GraphQLContext, result: T): T {
  accountFields.delete(context);
  return result;
}

builder.relayMutationField(
  "createCustomField",
  {
    inputFields: (t) => ({
      name: t.string({ required: true }),
      type: t.field({ type: CustomFieldTypeEnum, required: true }),
      options: t.stringList({ description: "Required for, and only for, a DROPDOWN field." }),
      required: t.boolean({
        description:
          "Every write of a subscriber must leave it with a value; enforced for account-wide fields only. Default false.",
      }),
      default: t.field({ type: "JSON", description: "A value of the field's type." }),
      visible: t.boolean({ description: "Default true." }),
      description: t.string(),
      listId: t.id({ description: "The List the field belongs to; absent for account-wide." }),
    }),
  },
  {
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: async (_root, { input }, context) => {
      const field = await createField(domainOf(context), {
        ...input,
        listId: listIdOf(input.listId),
      } satisfies CustomFieldInput);
      return forgetFields(context, field);
    },
  },
  { outputFields: (t) => ({ customField: t.field({ type: CustomFieldRef, resolve: (f) => f }) }) },
);

builder.relayMutationField(
  "updateCustomField",
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      name: t.string({ description: "Absent: unchanged. The merge tag stays as it was." }),
      options: t.stringList({
        description: "A DROPDOWN's new options; the default must stay one.",
      }),
      required: t.boolean(),
      default: t.field({ type: "JSON", description: "Absent: unchanged; null: removed." }),
      visible: t.boolean(),
      description: t.string({ description: "Absent: unchanged; null: removed." }),
    }),
  },
  {
    description: "Changes a field; its type and list are fixed at creation.",
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: async (_root, { input: { id, ...changes } }, context) => {
      const field = await updateField(domainOf(context), fieldIdOf(id), changes);
      return forgetFields(context, field);
    },
  },
  { outputFields: (t) => ({ customField: t.field({ type: CustomFieldRef, resolve: (f) => f }) }) },
);

builder.relayMutationField(
  "deleteCustomField",
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    description: "Deletes the field and every subscriber's value for it.",
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: async (_root, { input }, context) => {
      const publicId = await deleteField(domainOf(context), fieldIdOf(input.id));
      return forgetFields(context, { deletedId: encodeGlobalID("CustomField", publicId) });
    },
  },
  { outputFields: (t) => ({ deletedId: t.exposeID("deletedId") }) },
);
