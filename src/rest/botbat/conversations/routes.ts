import { createRoute } from "@hono/zod-openapi";
import { assignConversation, resolveConversation } from "../../../domain/conversations/changes.js";
import {
  countConversations,
  getConversation,
  pageConversations,
} from "../../../domain/conversations/read.js";
import {
  countMessagesOfConversations,
  messagesOfConversations,
} from "../../../domain/messages/read.js";
import type { AppDeps } from "../../../http/deps.js";
import { afterIdOf, listOut, listSchema, pageQuery } from "../cursor.js";
import { endpoint } from "../endpoint.js";
import { messageOut } from "../messages/schemas.js";
import type { BotbatApp } from "../routes.js";
import { errorResponses, json } from "../schemas.js";
import {
  assignBody,
  conversationDetailSchema,
  conversationOut,
  conversationSchema,
  idParam,
  listQuery,
} from "./schemas.js";

// The Conversations API: list by status and assignee, get with the message history, assign,
// resolve (README.md, "Conversations").

export function registerConversationRoutes(app: BotbatApp, deps: AppDeps): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/conversations",
      summary: "List conversations, filterable by status and assignee",
      description: "Oldest first, by keyset cursor.",
      tags: ["Conversations"],
      middleware: endpoint(deps, {
        scope: "conversations:read",
        limit: "conversations.list",
        body: "none",
      }),
      request: { query: listQuery },
      responses: {
        200: json(listSchema(conversationSchema), "A page of conversations"),
        ...errorResponses(400, 401, 403, 422, 429),
      },
    }),
    async (c) => {
      const ctx = c.get("domain");
      const query = c.req.valid("query");
      const filter = {
        status: query.status,
        channel: query.channel,
        assigneeId: query.assignee,
        contactId: query.contact_id,
      };
      const afterId = afterIdOf(query.cursor);
      const [rows, total] = await Promise.all([
        pageConversations(ctx, filter, { afterId, limit: query.limit + 1, backward: false }),
        countConversations(ctx, filter),
      ]);
      return c.json(
        listOut(rows, query.limit, total, conversationOut, (row) => [Number(row.id)]),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/conversations/{id}",
      summary: "Get conversation details with message history",
      description:
        "`messages` is its history both ways, newest first: `limit` messages (default 25, at most 100); pass `messages.cursor` as `?cursor=` for the older ones.",
      tags: ["Conversations"],
      middleware: endpoint(deps, {
        scope: "conversations:read",
        limit: "conversations.get",
        body: "none",
      }),
      request: { params: idParam, query: pageQuery },
      responses: {
        200: json(conversationDetailSchema, "The conversation"),
        ...errorResponses(400, 401, 403, 404, 422, 429),
      },
    }),
    async (c) => {
      const ctx = c.get("domain");
      const { limit, cursor } = c.req.valid("query");
      const beforeId = afterIdOf(cursor);
      const row = await getConversation(ctx, c.req.valid("param").id);
      const [pages, counts] = await Promise.all([
        messagesOfConversations(ctx, [row.id], { beforeId, limit: limit + 1, backward: true }),
        countMessagesOfConversations(ctx, [row.id]),
      ]);
      const messages = listOut(
        pages.get(row.id) ?? [],
        limit,
        counts.get(row.id) ?? 0,
        messageOut,
        (message) => [Number(message.id)],
      );
      return c.json({ ...conversationOut(row), messages }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/conversations/{id}/assign",
      summary: "Assign a conversation to an agent",
      description:
        "`agent_id` null assigns it to nobody. Emits `conversation.assigned` (with the agent); assigning it to the agent it already has changes nothing. An agent of another account is 404.",
      tags: ["Conversations"],
      middleware: endpoint(deps, { scope: "conversations:write", limit: "conversations.assign" }),
      request: {
        params: idParam,
        body: { required: true, content: { "application/json": { schema: assignBody } } },
      },
      responses: {
        200: json(conversationSchema, "The conversation as it now is"),
        ...errorResponses(400, 401, 403, 404, 413, 422, 429),
      },
    }),
    async (c) => {
      const row = await assignConversation(
        c.get("domain"),
        c.req.valid("param").id,
        c.req.valid("json").agent_id,
      );
      return c.json(conversationOut(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/conversations/{id}/resolve",
      summary: "Resolve a conversation",
      description:
        "Emits `conversation.resolved`. A resolved conversation is answered as it is (200, no second event); a message from the contact opens it again.",
      tags: ["Conversations"],
      middleware: endpoint(deps, {
        scope: "conversations:write",
        limit: "conversations.resolve",
      }),
      request: { params: idParam },
      responses: {
        200: json(conversationSchema, "The conversation, resolved"),
        ...errorResponses(401, 403, 404, 429),
      },
    }),
    async (c) => {
      const row = await resolveConversation(c.get("domain"), c.req.valid("param").id);
      return c.json(conversationOut(row), 200);
    },
  );
}
