import { createRoute } from "@hono/zod-openapi";
import { countDeliveries, pageDeliveries } from "../../../domain/webhooks/deliveries.js";
import {
  countWebhooks,
  createWebhook,
  deleteWebhook,
  getWebhook,
  pageWebhooks,
  updateWebhook,
} from "../../../domain/webhooks/webhooks.js";
import type { AppDeps } from "../../../http/deps.js";
import { afterIdOf, listOut, listSchema, pageQuery } from "../cursor.js";
import { endpoint } from "../endpoint.js";
import type { BotbatApp } from "../routes.js";
import { errorResponses, json } from "../schemas.js";
import {
  createBody,
  createdWebhookSchema,
  deliveryOut,
  deliverySchema,
  idParam,
  updateBody,
  webhookDetailSchema,
  webhookOut,
  webhookSchema,
} from "./schemas.js";

// The five endpoints of the Webhooks API, and a webhook's deliveries (README.md, "Webhooks").

const RECENT_DELIVERIES = 10;

export function registerWebhookRoutes(app: BotbatApp, deps: AppDeps): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/webhooks",
      summary: "List webhook endpoints",
      description: "Oldest first, by keyset cursor.",
      tags: ["Webhooks"],
      middleware: endpoint(deps, { scope: "webhooks:read", limit: "webhooks.list", body: "none" }),
      request: { query: pageQuery },
      responses: {
        200: json(listSchema(webhookSchema), "A page of webhooks"),
        ...errorResponses(400, 401, 403, 422, 429),
      },
    }),
    async (c) => {
      const ctx = c.get("domain");
      const { limit, cursor } = c.req.valid("query");
      const afterId = afterIdOf(cursor);
      const [rows, total] = await Promise.all([
        pageWebhooks(ctx, { afterId, limit: limit + 1, backward: false }),
        countWebhooks(ctx),
      ]);
      return c.json(
        listOut(rows, limit, total, webhookOut, (row) => [Number(row.id)]),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/webhooks",
      summary: "Create a webhook endpoint",
      description:
        "Answers the webhook with its `secret`, shown in this answer only. A sandbox key's webhook is sandbox: it receives only sandbox keys' events.",
      tags: ["Webhooks"],
      middleware: endpoint(deps, { scope: "webhooks:write", limit: "webhooks.create" }),
      request: {
        body: { required: true, content: { "application/json": { schema: createBody } } },
      },
      responses: {
        201: json(createdWebhookSchema, "The webhook created, with its secret"),
        ...errorResponses(400, 401, 403, 413, 422, 429),
      },
    }),
    async (c) => {
      const row = await createWebhook(c.get("domain"), c.req.valid("json"));
      return c.json({ ...webhookOut(row), secret: row.secret }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/webhooks/{id}",
      summary: "Get webhook details",
      description:
        "With its 10 latest delivery attempts; all of them at /v1/webhooks/{id}/deliveries.",
      tags: ["Webhooks"],
      middleware: endpoint(deps, { scope: "webhooks:read", limit: "webhooks.get", body: "none" }),
      request: { params: idParam },
      responses: {
        200: json(webhookDetailSchema, "The webhook"),
        ...errorResponses(401, 403, 404, 429),
      },
    }),
    async (c) => {
      const ctx = c.get("domain");
      const row = await getWebhook(ctx, c.req.valid("param").id);
      const recent = await pageDeliveries(ctx, row.id, { limit: RECENT_DELIVERIES });
      return c.json(
        {
          ...webhookOut(row),
          recent_deliveries: recent.map((delivery) => deliveryOut(row, delivery)),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/webhooks/{id}/deliveries",
      summary: "List a webhook's delivery attempts",
      description: "Every attempt, newest first, by keyset cursor.",
      tags: ["Webhooks"],
      middleware: endpoint(deps, {
        scope: "webhooks:read",
        limit: "webhooks.deliveries",
        body: "none",
      }),
      request: { params: idParam, query: pageQuery },
      responses: {
        200: json(listSchema(deliverySchema), "A page of attempts"),
        ...errorResponses(400, 401, 403, 404, 422, 429),
      },
    }),
    async (c) => {
      const ctx = c.get("domain");
      const { limit, cursor } = c.req.valid("query");
      const afterId = afterIdOf(cursor);
      const webhook = await getWebhook(ctx, c.req.valid("param").id);
      const [rows, total] = await Promise.all([
        pageDeliveries(ctx, webhook.id, { afterId, limit: limit + 1 }),
        countDeliveries(ctx, webhook.id),
      ]);
      return c.json(
        listOut(
          rows,
          limit,
          total,
          (row) => deliveryOut(webhook, row),
          (row) => [Number(row.id)],
        ),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/v1/webhooks/{id}",
      summary: "Update a webhook endpoint",
      description:
        "A full update: url, events and active are required; an absent description is cleared. Turning a disabled webhook on clears its failure state.",
      tags: ["Webhooks"],
      middleware: endpoint(deps, { scope: "webhooks:write", limit: "webhooks.update" }),
      request: {
        params: idParam,
        body: { required: true, content: { "application/json": { schema: updateBody } } },
      },
      responses: {
        200: json(webhookSchema, "The webhook as it now is"),
        ...errorResponses(400, 401, 403, 404, 413, 422, 429),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const row = await updateWebhook(c.get("domain"), c.req.valid("param").id, {
        ...body,
        description: body.description ?? null,
      });
      return c.json(webhookOut(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/webhooks/{id}",
      summary: "Delete a webhook endpoint",
      description: "Its pending deliveries are dropped, its attempts deleted.",
      tags: ["Webhooks"],
      middleware: endpoint(deps, {
        scope: "webhooks:write",
        limit: "webhooks.delete",
        body: "none",
      }),
      request: { params: idParam },
      responses: {
        204: { description: "Deleted" },
        ...errorResponses(401, 403, 404, 429),
      },
    }),
    async (c) => {
      await deleteWebhook(c.get("domain"), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
}
