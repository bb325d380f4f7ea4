import { createRoute } from "@hono/zod-openapi";
import { getMessage } from "../../../domain/messages/read.js";
import { sendMessage } from "../../../domain/messages/send.js";
import type { AppDeps } from "../../../http/deps.js";
import { endpoint } from "../endpoint.js";
import type { BotbatApp } from "../routes.js";
import { errorResponses, json } from "../schemas.js";
import { idParam, messageOut, messageSchema, sendBody } from "./schemas.js";

// The Messages API: send one message, read it with its delivery lifecycle (README.md, "Messages").

export function registerMessageRoutes(app: BotbatApp, deps: AppDeps): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/messages/send",
      summary: "Send a message to a contact",
      description:
        "Queues one message on a channel, from an approved template (with variables) or a body, and answers it at once (status `queued`); its conversation is opened by the first message. 404: the contact or template is not the account's. 409: the template is not approved, or the contact's state forbids the channel. 422: every bad field at once. A sandbox key's message never leaves the system.",
      tags: ["Messages"],
      middleware: endpoint(deps, { scope: "messages:write", limit: "messages.send" }),
      request: {
        body: { required: true, content: { "application/json": { schema: sendBody } } },
      },
      responses: {
        201: json(messageSchema, "The message, queued"),
        ...errorResponses(400, 401, 403, 404, 409, 413, 422, 429),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const row = await sendMessage(c.get("domain"), {
        contactId: body.contact_id,
        channel: body.channel,
        templateId: body.template_id,
        body: body.body,
        subject: body.subject,
        variables: body.variables,
      });
      return c.json(messageOut(row), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/messages/{id}",
      summary: "Get message details and delivery status",
      description:
        "The message with its status, the time of each status and `lifecycle`: queued, sent, delivered, read or failed (received for an inbound message).",
      tags: ["Messages"],
      middleware: endpoint(deps, { scope: "messages:read", limit: "messages.get", body: "none" }),
      request: { params: idParam },
      responses: {
        200: json(messageSchema, "The message"),
        ...errorResponses(401, 403, 404, 429),
      },
    }),
    async (c) => {
      const row = await getMessage(c.get("domain"), c.req.valid("param").id);
      return c.json(messageOut(row), 200);
    },
  );
}
