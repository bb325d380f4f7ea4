import { createContextCache } from "@pothos/core";
import DataLoader from "dataloader";
import { getConversations } from "../domain/conversations/read.js";
import {
  countMessages,
  countMessagesOfConversations,
  getMessages,
  type MessageView,
  messagesOfConversations,
  pageMessages,
} from "../domain/messages/read.js";
import { sendMessage } from "../domain/messages/send.js";
import type { Page } from "../domain/page.js";
import { getSubscribers } from "../domain/subscribers/read.js";
import { getTemplates } from "../domain/templates/templates.js";
import { builder } from "./builder.js";
import { domainOf, type GraphQLContext } from "./context.js";
import { ConversationRef } from "./conversations.js";
import { mutationErrors } from "./errors.js";
import { filterIdOf } from "./filter-ids.js";
import { publicIdOf } from "./ids.js";
import { MessageChannelEnum } from "./message-channel.js";
import { keysetConnection } from "./pagination.js";
import { scopedConnection } from "./scoped-connection.js";
import { SubscriberRef } from "./subscribers.js";
import { TemplateRef } from "./templates.js";

// Messages: one to or from one contact on one channel, with the time of each status. A page of
// messages loads its contacts and conversations in one statement each; a page of conversations
// loads the messages of all of them in one (a lateral read per conversation).

const READ = { scope: "messages:read" } as const;
const WRITE = { scope: "messages:write" } as const;

const MessageStatusEnum = builder.enumType("MessageStatus", {
  description: "Outbound: queued → sent → delivered → read, or failed. Inbound: received.",
  values: {
    QUEUED: { value: "queued" },
    SENT: { value: "sent" },
    DELIVERED: { value: "delivered" },
    READ: { value: "read" },
    FAILED: { value: "failed" },
    RECEIVED: { value: "received" },
  } as const,
});

const MessageDirectionEnum = builder.enumType("MessageDirection", {
  values: { OUTBOUND: { value: "outbound" }, INBOUND: { value: "inbound" } } as const,
});

export const MessageRef = builder.node(builder.objectRef<MessageView>("Message"), {
  description: "One message to or from one contact on one channel.",
  id: { resolve: (row) => row.public_id },
  authScopes: READ,
  loadMany: (publicIds, context) => getMessages(domainOf(context), publicIds),
  fields: (t) => ({
    channel: t.expose("channel", { type: MessageChannelEnum }),
    direction: t.expose("direction", { type: MessageDirectionEnum }),
    address: t.exposeString("address", {
      description: "The email or phone it went to (or came from), as it was then.",
    }),
    subject: t.exposeString("subject", { nullable: true }),
    body: t.exposeString("body", { description: "The text as sent: variables filled in." }),
    variables: t.expose("variables", {
      type: "JSON",
      description: "The value each variable of the text had for this contact.",
    }),
    status: t.expose("status", { type: MessageStatusEnum }),
    queuedAt: t.expose("queued_at", { type: "DateTime" }),
    sentAt: t.expose("sent_at", { type: "DateTime", nullable: true }),
    deliveredAt: t.expose("delivered_at", { type: "DateTime", nullable: true }),
    readAt: t.expose("read_at", { type: "DateTime", nullable: true }),
    failedAt: t.expose("failed_at", { type: "DateTime", nullable: true }),
    receivedAt: t.expose("received_at", { type: "DateTime", nullable: true }),
    failureReason: t.exposeString("failure_reason", { nullable: true }),
    providerMessageId: t.exposeString("provider_message_id", { nullable: true }),
    attempts: t.exposeInt("attempts", { description: "Tries to hand it to the provider." }),
    sandbox: t.exposeBoolean("sandbox", { description: "Sent by a sandbox key: never left." }),
    createdAt: t.expose("created_at", { type: "DateTime" }),
    updatedAt: t.expose("updated_at", { type: "DateTime" }),
    contact: t.loadable({
      type: SubscriberRef,
      authScopes: { scope: "subscribers:read" },
      resolve: (row) => row.contact_public_id,
      load: async (ids: string[], context) =>
        (await getSubscribers(domainOf(context), ids)).map(
          (row) => row ?? new Error("contact not found"),
        ),
    }),
    template: t.loadable({
      type: TemplateRef,
      nullable: true,
      description: "The template it was sent from; null for a body of its own.",
      authScopes: { scope: "templates:read" },
      resolve: (row) => row.template_public_id,
      load: (ids: string[], context) => getTemplates(domainOf(context), ids),
    }),
    conversation: t.loadable({
      type: ConversationRef,
      nullable: true,
      description: "Its thread; null for a campaign's message (campaigns open no thread).",
      authScopes: { scope: "conversations:read" },
      resolve: (row) => row.conversation_public_id,
      load: (ids: string[], context) => getConversations(domainOf(context), ids),
    }),
  }),
});

const MessageFilter = builder.inputType("MessageFilter", {
  fields: (t) => ({
    status: t.field({ type: MessageStatusEnum }),
    channel: t.field({ type: MessageChannelEnum }),
    direction: t.field({ type: MessageDirectionEnum }),
    contactId: t.id({ description: "To or from this subscriber." }),
  }),
});

builder.queryField("messages", (t) =>
  scopedConnection(t, {
    scope: READ.scope,
    type: MessageRef,
    description: "The account's messages, oldest first.",
    args: { filter: t.arg({ type: MessageFilter }) },
    resolve: (_root, args, context) => {
      const domain = domainOf(context);
      const filter = {
        ...args.filter,
        contactId: filterIdOf(args.filter?.contactId, "Subscriber", "contactId"),
      };
      return keysetConnection(
        args,
        (page) => pageMessages(domain, filter, page),
        () => countMessages(domain, filter),
      );
    },
  }),
);

/** The messages of every conversation in a response, one statement per page shape. */
const conversationMessages = createContextCache(
  (context: GraphQLContext) =>
    new DataLoader<{ conversationId: string; page: Page }, MessageView[], string>(
      async (keys) => {
        const domain = domainOf(context);
        const byShape = new Map<string, { page: Page; ids: string[] }>();
        for (const { conversationId, page } of keys) {
          const shape = JSON.stringify(page);
          const group = byShape.get(shape) ?? { page, ids: [] };
          group.ids.push(conversationId);
          byShape.set(shape, group);
        }
        const results = new Map<string, MessageView[]>();
        for (const [shape, { page, ids }] of byShape) {
          const rows = await messagesOfConversations(domain, ids, page);
          for (const [id, messages] of rows) results.set(`${id}|${shape}`, messages);
        }
        return keys.map(
          ({ conversationId, page }) =>
            results.get(`${conversationId}|${JSON.stringify(page)}`) ?? [],
        );
      },
      { cacheKeyFn: ({ conversationId, page }) => `${conversationId}|${JSON.stringify(page)}` },
    ),
);

const conversationCounts = createContextCache(
  (context: GraphQLContext) =>
    new DataLoader<string, number>(async (ids) => {
      const counts = await countMessagesOfConversations(domainOf(context), ids);
      return ids.map((id) => counts.get(id) ?? 0);
    }),
);

builder.objectField(ConversationRef, "messages", (t) =>
  scopedConnection(t, {
    scope: READ.scope,
    type: MessageRef,
    description: "Its messages both ways, oldest first (`last: n` reads the latest n).",
    resolve: (row, args, context) =>
      keysetConnection(
        args,
        (page) => conversationMessages(context).load({ conversationId: row.id, page }),
        () => conversationCounts(context).load(row.id),
      ),
  }),
);

builder.relayMutationField(
  "sendMessage",
  {
    inputFields: (t) => ({
      contactId: t.id({ required: true, description: "The subscriber it goes to." }),
      channel: t.field({ type: MessageChannelEnum, required: true }),
      templateId: t.id({ description: "An approved template of the channel; or body." }),
      body: t.string({ description: "The text; or templateId." }),
      subject: t.string({ description: "Email only; a template's own when left out." }),
      variables: t.field({
        type: "JSON",
        description:
          'Variable → text: positional ({"1": "Ada"}) or named; a value may hold {{first_name}}.',
      }),
    }),
  },
  {
    description:
      "Sends one message now: queued, with its conversation (opened by the first message).",
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) =>
      sendMessage(domainOf(context), {
        contactId: publicIdOf(input.contactId, "Subscriber"),
        channel: input.channel,
        templateId: input.templateId == null ? null : publicIdOf(input.templateId, "Template"),
        body: input.body,
        subject: input.subject,
        variables: input.variables,
      }),
  },
  {
    // Not `message`: a client asking `... on Error { message }` beside it would get GraphQL's
    // "fields conflict" refusal (a Message and a String under one response name).
    outputFields: (t) => ({ sentMessage: t.field({ type: MessageRef, resolve: (row) => row }) }),
  },
);
