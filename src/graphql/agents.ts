import { encodeGlobalID } from "@pothos/plugin-relay";
import type { AgentRow } from "../db/types.js";
import {
  countAgents,
  createAgent,
  deleteAgent,
  getAgents,
  pageAgents,
} from "../domain/agents/agents.js";
import { builder } from "./builder.js";
import { domainOf } from "./context.js";
import { mutationErrors } from "./errors.js";
import { publicIdOf } from "./ids.js";
import { keysetConnection } from "./pagination.js";
import { scopedConnection } from "./scoped-connection.js";

// Agents: the people of the account who answer conversations, under the conversations scopes.

const READ = { scope: "conversations:read" } as const;
const WRITE = { scope: "conversations:write" } as const;

export const AgentRef = builder.node(builder.objectRef<AgentRow>("Agent"), {
  description: "Someone of the account who answers conversations; one per email.",
  id: { resolve: (row) => row.public_id },
  authScopes: READ,
  loadMany: (publicIds, context) => getAgents(domainOf(context), publicIds),
  fields: (t) => ({
    name: t.exposeString("name"),
    email: t.exposeString("email"),
    createdAt: t.expose("created_at", { type: "DateTime" }),
    updatedAt: t.expose("updated_at", { type: "DateTime" }),
  }),
});

builder.queryField("agents", (t) =>
  scopedConnection(t, {
    scope: READ.scope,
    type: AgentRef,
    description: "The account's agents, oldest first.",
    resolve: (_root, args, context) => {
      const domain = domainOf(context);
      return keysetConnection(
        args,
        (page) => pageAgents(domain, page),
        () => countAgents(domain),
      );
    },
  }),
);

builder.relayMutationField(
  "createAgent",
  {
    inputFields: (t) => ({
      name: t.string({ required: true }),
      email: t.string({ required: true, description: "Unique in the account, in any case." }),
    }),
  },
  {
    description: "Adds an agent; an email another agent has is a ConflictError.",
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) => createAgent(domainOf(context), input),
  },
  { outputFields: (t) => ({ agent: t.field({ type: AgentRef, resolve: (row) => row }) }) },
);

builder.relayMutationField(
  "deleteAgent",
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    description: "Removes an agent; its conversations are left unassigned.",
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: async (_root, { input }, context) => {
      const agent = await deleteAgent(domainOf(context), publicIdOf(input.id, "Agent"));
      return { deletedId: encodeGlobalID("Agent", agent.public_id) };
    },
  },
  { outputFields: (t) => ({ deletedId: t.exposeID("deletedId") }) },
);
