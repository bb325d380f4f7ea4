import { encodeGlobalID } from "@pothos/plugin-relay";
import type { ListRow } from "../db/types.js";
import {
  countLists,
  createList,
  deleteList,
  getListsByPublicIds,
  pageLists,
  updateList,
} from "../domain/lists/lists.js";
import { subscriberCounts } from "../domain/lists/subscriptions.js";
import { builder } from "./builder.js";
import { domainOf } from "./context.js";
import { mutationErrors } from "./errors.js";
import { publicIdOf } from "./ids.js";
import { keysetConnection } from "./pagination.js";
import { scopedConnection } from "./scoped-connection.js";

export const ListRef = builder.node(builder.objectRef<ListRow>("List"), {
  description: "A list subscribers are on, each with a subscription status of its own.",
  id: { resolve: (list) => list.public_id },
  authScopes: { scope: "lists:read" },
  // `node`/`nodes` ask for every List id of the request at once: one query.
  loadMany: (publicIds, context) => getListsByPublicIds(domainOf(context), publicIds),
  fields: (t) => ({
    name: t.exposeString("name"),
    description: t.exposeString("description", { nullable: true }),
    createdAt: t.expose("created_at", { type: "DateTime" }),
    updatedAt: t.expose("updated_at", { type: "DateTime" }),
    subscriberCount: t.loadable({
      type: "Int",
      description: "Subscribers whose subscription to this list is SUBSCRIBED.",
      // One `group by` for every list of the response.
      load: (listIds: string[], context) => subscriberCounts(domainOf(context), listIds),
      resolve: (list) => list.id,
    }),
  }),
});

/** The public id of a List global id, or NotFound for anything else. */
export function listIdOf(globalId: string): string {
  return publicIdOf(globalId, "List");
}

const ListFilter = builder.inputType("ListFilter", {
  fields: (t) => ({
    search: t.string({ description: "Part of the name, any case." }),
  }),
});

builder.queryField("lists", (t) =>
  scopedConnection(t, {
    scope: "lists:read",
    type: ListRef,
    description: "The account's lists, oldest first.",
    args: { filter: t.arg({ type: ListFilter }) },
    resolve: (_root, args, context) => {
      const domain = domainOf(context);
      const filter = args.filter ?? {};
      return keysetConnection(
        args,
        (page) => pageLists(domain, filter, page),
        () => countLists(domain, filter),
      );
    },
  }),
);

builder.relayMutationField(
  "createList",
  {
    inputFields: (t) => ({
      name: t.string({ required: true }),
      description: t.string({ required: false }),
    }),
  },
  {
    authScopes: { scope: "lists:write" },
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) =>
      createList(domainOf(context), { name: input.name, description: input.description }),
  },
  { outputFields: (t) => ({ list: t.field({ type: ListRef, resolve: (list) => list }) }) },
);

builder.relayMutationField(
  "updateList",
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      name: t.string({ required: false, description: "Absent: unchanged. It cannot be empty." }),
      description: t.string({
        required: false,
        description: "Absent: unchanged; null or empty: removed.",
      }),
    }),
  },
  {
    authScopes: { scope: "lists:write" },
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) =>
      updateList(domainOf(context), listIdOf(input.id), {
        name: input.name,
        description: input.description,
      }),
  },
  { outputFields: (t) => ({ list: t.field({ type: ListRef, resolve: (list) => list }) }) },
);

builder.relayMutationField(
  "deleteList",
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    description: "Deletes the list and every subscription to it; the subscribers stay.",
    authScopes: { scope: "lists:write" },
    errors: { types: mutationErrors },
    resolve: async (_root, { input }, context) => ({
      deletedId: encodeGlobalID("List", await deleteList(domainOf(context), listIdOf(input.id))),
    }),
  },
  { outputFields: (t) => ({ deletedId: t.exposeID("deletedId") }) },
);
