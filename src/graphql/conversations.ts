import { getAgents } from "../domain/agents/agents.js";
import {
  assignConversation,
  resolveConversation,
  setConversationStatus,
  snoozeConversation,
} from "../domain/conversations/changes.js";
import {
  type ConversationView,
  conversationsOfSubscribers,
  countConversations,
  getConversations,
  pageConversations,
  UNASSIGNED,
} from "../domain/conversations/read.js";
import { Validation } from "../domain/errors.js";
import { getSubscribers } from "../domain/subscribers/read.js";
import { AgentRef } from "./agents.js";
import { builder } from "./builder.js";
import { domainOf } from "./context.js";
import { mutationErrors } from "./errors.js";
import { filterIdOf } from "./filter-ids.js";
import { publicIdOf } from "./ids.js";
import { MessageChannelEnum } from "./message-channel.js";
import { keysetConnection } from "./pagination.js";
import { scopedConnection } from "./scoped-connection.js";
import { SubscriberRef } from "./subscribers.js";

// Conversations: the thread with one contact on one channel, and what agents do to it. Contacts
// and assignees of a whole page load in one statement each (DataLoaders).

const READ = { scope: "conversations:read" } as const;
const WRITE = { scope: "conversations:write" } as const;

export const ConversationStatusEnum = builder.enumType("ConversationStatus", {
  description:
    "open → pending (waiting on the contact) / snoozed (until a time) / resolved; a message from the contact opens a resolved or snoozed one again.",
  values: {
    OPEN: { value: "open" },
    PENDING: { value: "pending" },
    SNOOZED: { value: "snoozed" },
    RESOLVED: { value: "resolved" },
  } as const,
});

export const ConversationRef = builder.node(builder.objectRef<ConversationView>("Conversation"), {
  description:
    "The thread with one contact on one channel, opened by the first message either way.",
  id: { resolve: (row) => row.public_id },
  authScopes: READ,
  loadMany: (publicIds, context) => getConversations(domainOf(context), publicIds),
  fields: (t) => ({
    channel: t.expose("channel", { type: MessageChannelEnum }),
    status: t.expose("status", { type: ConversationStatusEnum }),
    snoozedUntil: t.expose("snoozed_until", { type: "DateTime", nullable: true }),
    lastMessageAt: t.expose("last_message_at", { type: "DateTime", nullable: true }),
    resolvedAt: t.expose("resolved_at", { type: "DateTime", nullable: true }),
    sandbox: t.exposeBoolean("sandbox", { description: "Opened by a sandbox key's message." }),
    createdAt: t.expose("created_at", { type: "DateTime" }),
    updatedAt: t.expose("updated_at", { type: "DateTime" }),
    contact: t.loadable({
      type: SubscriberRef,
      description: "Who the conversation is with.",
      authScopes: { scope: "subscribers:read" },
      resolve: (row) => row.contact_public_id,
      load: async (ids: string[], context) =>
        (await getSubscribers(domainOf(context), ids)).map(
          (row) => row ?? new Error("contact not found"),
        ),
    }),
    assignee: t.loadable({
      type: AgentRef,
      nullable: true,
      description: "The agent it is assigned to; null: nobody.",
      resolve: (row) => row.assignee_public_id,
      load: (ids: string[], context) => getAgents(domainOf(context), ids),
    }),
  }),
});

const ConversationFilter = builder.inputType("ConversationFilter", {
  fields: (t) => ({
    status: t.field({ type: ConversationStatusEnum }),
    assigneeId: t.id({ description: "Assigned to this agent." }),
    unassigned: t.boolean({ description: "true: assigned to nobody." }),
    channel: t.field({ type: MessageChannelEnum }),
    contactId: t.id({ description: "With this subscriber." }),
  }),
});

builder.queryField("conversations", (t) =>
  scopedConnection(t, {
    scope: READ.scope,
    type: ConversationRef,
    description: "The account's conversations, oldest first.",
    args: { filter: t.arg({ type: ConversationFilter }) },
    resolve: (_root, args, context) => {
      const domain = domainOf(context);
      const given = args.filter ?? {};
      const filter = {
        status: given.status,
        channel: given.channel,
        assigneeId: given.unassigned
          ? UNASSIGNED
          : filterIdOf(given.assigneeId, "Agent", "assigneeId"),
        contactId: filterIdOf(given.contactId, "Subscriber", "contactId"),
      };
      return keysetConnection(
        args,
        (page) => pageConversations(domain, filter, page),
        () => countConversations(domain, filter),
      );
    },
  }),
);

builder.objectField(SubscriberRef, "conversations", (t) =>
  t.loadableList({
    type: ConversationRef,
    description: "Its conversations, one per channel at most, oldest first.",
    authScopes: READ,
    resolve: (subscriber) => subscriber.id,
    load: (ids: string[], context) => conversationsOfSubscribers(domainOf(context), ids),
  }),
);

function conversationIdOf(globalId: string): string {
  return publicIdOf(globalId, "Conversation");
}

builder.relayMutationField(
  "assignConversation",
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      agentId: t.id({ description: "The agent; null or left out: assigned to nobody." }),
    }),
  },
  {
    description:
      "Assigns the conversation to an agent of the account (or to nobody); emits conversation.assigned.",
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) =>
      assignConversation(
        domainOf(context),
        conversationIdOf(input.id),
        input.agentId == null ? null : publicIdOf(input.agentId, "Agent"),
      ),
  },
  {
    outputFields: (t) => ({
      conversation: t.field({ type: ConversationRef, resolve: (row) => row }),
    }),
  },
);

builder.relayMutationField(
  "resolveConversation",
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    description:
      "Resolves the conversation (conversation.resolved); a resolved one is answered as it is.",
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) =>
      resolveConversation(domainOf(context), conversationIdOf(input.id)),
  },
  {
    outputFields: (t) => ({
      conversation: t.field({ type: ConversationRef, resolve: (row) => row }),
    }),
  },
);

builder.relayMutationField(
  "snoozeConversation",
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      until: t.field({
        type: "DateTime",
        required: true,
        description: "In the future, at most a year away; it opens again then.",
      }),
    }),
  },
  {
    description: "Snoozes the conversation until a time, when it opens again.",
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) =>
      snoozeConversation(domainOf(context), conversationIdOf(input.id), input.until),
  },
  {
    outputFields: (t) => ({
      conversation: t.field({ type: ConversationRef, resolve: (row) => row }),
    }),
  },
);

builder.relayMutationField(
  "reopenConversation",
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      status: t.field({
        type: ConversationStatusEnum,
        description: "OPEN (the default) or PENDING.",
      }),
    }),
  },
  {
    description: "Opens a resolved or snoozed conversation again, or sets it pending.",
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) => {
      const status = input.status ?? "open";
      if (status !== "open" && status !== "pending")
        throw Validation.of(["status"], "must be OPEN or PENDING");
      return setConversationStatus(domainOf(context), conversationIdOf(input.id), status);
    },
  },
  {
    outputFields: (t) => ({
      conversation: t.field({ type: ConversationRef, resolve: (row) => row }),
    }),
  },
);
