import type { BlocklistRow } from "../db/types.js";
import {
  addToBlocklist,
  blocklistEntriesByPublicId,
  countBlocklist,
  pageBlocklist,
  removeFromBlocklist,
} from "../domain/blocklist/blocklist.js";
import { Validation } from "../domain/errors.js";
import { builder } from "./builder.js";
import { domainOf } from "./context.js";
import { mutationErrors } from "./errors.js";
import { publicIdOf } from "./ids.js";
import { keysetConnection } from "./pagination.js";
import { scopedConnection } from "./scoped-connection.js";

export const BlocklistEntryRef = builder.node(builder.objectRef<BlocklistRow>("BlocklistEntry"), {
  description: "An address the account never mails.",
  id: { resolve: (entry) => entry.public_id },
  authScopes: { scope: "blocklist:read" },
  loadMany: async (publicIds, context) => {
    const rows = await blocklistEntriesByPublicId(domainOf(context), publicIds);
    return publicIds.map((id) => rows.find((row) => row.public_id === id) ?? null);
  },
  fields: (t) => ({
    email: t.exposeString("email"),
    reason: t.exposeString("reason", { nullable: true }),
    createdAt: t.expose("created_at", { type: "DateTime" }),
  }),
});

const BlocklistFilter = builder.inputType("BlocklistFilter", {
  fields: (t) => ({
    search: t.string({ description: "Part of the address, any case." }),
  }),
});

builder.queryField("blocklist", (t) =>
  scopedConnection(t, {
    scope: "blocklist:read",
    type: BlocklistEntryRef,
    description: "The account's blocklist, oldest entry first.",
    args: { filter: t.arg({ type: BlocklistFilter }) },
    resolve: (_root, args, context) => {
      const domain = domainOf(context);
      const filter = args.filter ?? {};
      return keysetConnection(
        args,
        (page) => pageBlocklist(domain, filter, page),
        () => countBlocklist(domain, filter),
      );
    },
  }),
);

builder.relayMutationField(
  "addToBlocklist",
  {
    inputFields: (t) => ({
      email: t.string({ required: true }),
      reason: t.string({ required: false }),
    }),
  },
  {
    description: "Lists an address; listing one already there returns the existing entry.",
    authScopes: { scope: "blocklist:write" },
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) =>
      addToBlocklist(domainOf(context), { email: input.email, reason: input.reason }),
  },
  {
    outputFields: (t) => ({
      blocklistEntry: t.field({ type: BlocklistEntryRef, resolve: (entry) => entry }),
    }),
  },
);

builder.relayMutationField(
  "removeFromBlocklist",
  {
    inputFields: (t) => ({
      id: t.id({ required: false, description: "The entry's id; or give `email`." }),
      email: t.string({ required: false, description: "The listed address; or give `id`." }),
    }),
  },
  {
    authScopes: { scope: "blocklist:write" },
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) => {
      const domain = domainOf(context);
      if ((input.id == null) === (input.email == null)) {
        throw Validation.of([], "give either `id` or `email`");
      }
      if (input.id != null) {
        return removeFromBlocklist(domain, { id: publicIdOf(input.id, "BlocklistEntry") });
      }
      return removeFromBlocklist(domain, { email: input.email as string });
    },
  },
  {
    outputFields: (t) => ({
      blocklistEntry: t.field({
        type: BlocklistEntryRef,
        description: "The entry as it was before removal.",
        resolve: (entry) => entry,
      }),
    }),
  },
);
