import { getConversations } from "../domain/conversations/read.js";
import { NotFound, Validation } from "../domain/errors.js";
import { getMessages } from "../domain/messages/read.js";
import { builder } from "./builder.js";
import { domainOf } from "./context.js";
import { ConversationRef } from "./conversations.js";
import { publicIdOf } from "./ids.js";
import { MessageRef } from "./messages.js";
import "./subscriptions.js";
import { watchAll, watchOne } from "./watch.js";

// Message and conversation changes for inboxes and delivery views (see subscriptions.ts for how
// subscriptions are served). Without an id they follow the whole account: a lost LISTEN
// connection loses the changes made while it was down, which a client recovers with a query.

builder.subscriptionField("messageStatusChanged", (t) =>
  t.field({
    type: MessageRef,
    description:
      "Messages as their status changes: a new message (queued, or received from a contact) and each step after it (sent, delivered, read, failed). With `id`, that message (its state now first); with `conversationId`, the messages of that conversation; with neither, every message of the account. NOT_FOUND for an id the key's account has no such thing of.",
    authScopes: { scope: "messages:read" },
    args: {
      id: t.arg.id({ description: "One message." }),
      conversationId: t.arg.id({ description: "The messages of one conversation." }),
    },
    subscribe: async (_root, args, context) => {
      const domain = domainOf(context);
      const load = async (id: string) => (await getMessages(domain, [id]))[0] ?? null;
      if (args.id != null && args.conversationId != null) {
        throw Validation.of(["conversationId"], "give id or conversationId, not both");
      }
      if (args.id != null) {
        const globalId = args.id;
        return watchOne(
          context,
          "message",
          publicIdOf(globalId, "Message"),
          load,
          () => new NotFound("Message", globalId),
        );
      }
      if (args.conversationId != null) {
        const conversationId = publicIdOf(args.conversationId, "Conversation");
        const [conversation] = await getConversations(domain, [conversationId]);
        if (!conversation) throw new NotFound("Conversation", args.conversationId);
        return watchAll(
          context,
          "message",
          load,
          (message) => message.conversation_public_id === conversationId,
        );
      }
      return watchAll(context, "message", load);
    },
    resolve: (message) => message,
  }),
);

builder.subscriptionField("conversationUpdated", (t) =>
  t.field({
    type: ConversationRef,
    description:
      "Conversations as they change: opened (by a first message), assigned, resolved, snoozed, reopened. With `id`, that conversation (its state now first); without, every conversation of the account. NOT_FOUND for an id the key's account has no conversation of.",
    authScopes: { scope: "conversations:read" },
    args: { id: t.arg.id({ description: "One conversation." }) },
    subscribe: (_root, args, context) => {
      const domain = domainOf(context);
      const load = async (id: string) => (await getConversations(domain, [id]))[0] ?? null;
      if (args.id != null) {
        const globalId = args.id;
        return watchOne(
          context,
          "conversation",
          publicIdOf(globalId, "Conversation"),
          load,
          () => new NotFound("Conversation", globalId),
        );
      }
      return watchAll(context, "conversation", load);
    },
    resolve: (conversation) => conversation,
  }),
);
