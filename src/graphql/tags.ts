import { encodeGlobalID } from "@pothos/plugin-relay";
import type { TagRow } from "../db/types.js";
import { getTags } from "../domain/tags/read.js";
import { countTags, createTag, deleteTag, pageTags, updateTag } from "../domain/tags/tags.js";
import { builder } from "./builder.js";
import { domainOf } from "./context.js";
import { mutationErrors } from "./errors.js";
import { publicIdOf } from "./ids.js";
import { keysetConnection } from "./pagination.js";
import { scopedConnection } from "./scoped-connection.js";

const READ = { scope: "tags:read" } as const;
const WRITE = { scope: "tags:write" } as const;

export const TagStatusEnum = builder.enumType("TagStatus", {
  values: { ACTIVE: { value: "active" }, INACTIVE: { value: "inactive" } } as const,
});

export const TagRef = builder.node(builder.objectRef<TagRow>("Tag"), {
  description: "A label on subscribers.",
  id: { resolve: (tag) => tag.public_id },
  authScopes: READ,
  loadMany: (publicIds, context) => getTags(domainOf(context), publicIds),
  fields: (t) => ({
    name: t.exposeString("name"),
    status: t.expose("status", { type: TagStatusEnum }),
    createdAt: t.expose("created_at", { type: "DateTime" }),
    updatedAt: t.expose("updated_at", { type: "DateTime" }),
  }),
});

/** The public id of a Tag global id, or NotFound for anything else. */
export function tagIdOf(globalId: string): string {
  return publicIdOf(globalId, "Tag");
}

const TagFilter = builder.inputType("TagFilter", {
  fields: (t) => ({
    status: t.field({ type: TagStatusEnum }),
    search: t.string({ description: "Part of the name, any case." }),
  }),
});

builder.queryField("tags", (t) =>
  scopedConnection(t, {
    scope: READ.scope,
    type: TagRef,
    description: "The account's tags, oldest first.",
    args: { filter: t.arg({ type: TagFilter }) },
    resolve: (_root, args, context) => {
      const domain = domainOf(context);
      const filter = args.filter ?? {};
      return keysetConnection(
        args,
        (page) => pageTags(domain, filter, page),
        () => countTags(domain, filter),
      );
    },
  }),
);

builder.relayMutationField(
  "createTag",
  {
    inputFields: (t) => ({
      name: t.string({ required: true, description: "Unique in the account, in any case." }),
      status: t.field({ type: TagStatusEnum, description: "Default ACTIVE." }),
    }),
  },
  {
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) => createTag(domainOf(context), input),
  },
  { outputFields: (t) => ({ tag: t.field({ type: TagRef, resolve: (tag) => tag }) }) },
);

builder.relayMutationField(
  "updateTag",
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      name: t.string({ description: "Absent: unchanged." }),
      status: t.field({ type: TagStatusEnum, description: "Absent: unchanged." }),
    }),
  },
  {
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: (_root, { input: { id, ...changes } }, context) =>
      updateTag(domainOf(context), tagIdOf(id), changes),
  },
  { outputFields: (t) => ({ tag: t.field({ type: TagRef, resolve: (tag) => tag }) }) },
);

builder.relayMutationField(
  "deleteTag",
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    description: "Deletes the tag; it comes off every subscriber that had it.",
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: async (_root, { input }, context) => ({
      deletedId: encodeGlobalID("Tag", await deleteTag(domainOf(context), tagIdOf(input.id))),
    }),
  },
  { outputFields: (t) => ({ deletedId: t.exposeID("deletedId") }) },
);
