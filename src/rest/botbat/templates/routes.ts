import { createRoute, type z } from "@hono/zod-openapi";
import { templateData } from "../../../domain/templates/payload.js";
import { submitTemplate } from "../../../domain/templates/submit.js";
import {
  countTemplates,
  createTemplate,
  deleteTemplate,
  getTemplate,
  pageTemplates,
  updateTemplate,
} from "../../../domain/templates/templates.js";
import type { AppDeps } from "../../../http/deps.js";
import { afterIdOf, listOut, listSchema, pageQuery } from "../cursor.js";
import { endpoint } from "../endpoint.js";
import type { BotbatApp } from "../routes.js";
import { errorResponses, json } from "../schemas.js";
import { createBody, idParam, listQuery, templateSchema, updateBody } from "./schemas.js";

// The six endpoints of the Templates API (README.md, "Templates").

const out = templateData as (
  row: Parameters<typeof templateData>[0],
) => z.infer<typeof templateSchema>;

export function registerTemplateRoutes(app: BotbatApp, deps: AppDeps): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/templates",
      summary: "List message templates",
      description:
        "Oldest first, by keyset cursor; filter by channel, status and part of the name.",
      tags: ["Templates"],
      middleware: endpoint(deps, {
        scope: "templates:read",
        limit: "templates.list",
        body: "none",
      }),
      request: { query: pageQuery.extend(listQuery.shape) },
      responses: {
        200: json(listSchema(templateSchema), "A page of templates"),
        ...errorResponses(400, 401, 403, 422, 429),
      },
    }),
    async (c) => {
      const ctx = c.get("domain");
      const { limit, cursor, ...filter } = c.req.valid("query");
      const afterId = afterIdOf(cursor);
      const [rows, total] = await Promise.all([
        pageTemplates(ctx, filter, { afterId, limit: limit + 1, backward: false }),
        countTemplates(ctx, filter),
      ]);
      return c.json(
        listOut(rows, limit, total, out, (row) => [Number(row.id)]),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/templates",
      summary: "Create a template",
      description:
        "An SMS or email template is approved at once; a WhatsApp template starts as a draft, to be submitted for approval. A sandbox key's template is sandbox.",
      tags: ["Templates"],
      middleware: endpoint(deps, { scope: "templates:write", limit: "templates.create" }),
      request: {
        body: { required: true, content: { "application/json": { schema: createBody } } },
      },
      responses: {
        201: json(templateSchema, "The template created"),
        ...errorResponses(400, 401, 403, 409, 413, 422, 429),
      },
    }),
    async (c) => {
      const row = await createTemplate(c.get("domain"), c.req.valid("json"));
      return c.json(out(row), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/templates/{id}",
      summary: "Get template details",
      tags: ["Templates"],
      middleware: endpoint(deps, { scope: "templates:read", limit: "templates.get", body: "none" }),
      request: { params: idParam },
      responses: {
        200: json(templateSchema, "The template"),
        ...errorResponses(401, 403, 404, 429),
      },
    }),
    async (c) => {
      const row = await getTemplate(c.get("domain"), c.req.valid("param").id);
      return c.json(out(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/v1/templates/{id}",
      summary: "Update a template",
      description:
        "A full update: name and body are required, what is left out takes its default; the channel cannot change. A pending template is 409. A WhatsApp template that changes is a draft again and must be submitted.",
      tags: ["Templates"],
      middleware: endpoint(deps, { scope: "templates:write", limit: "templates.update" }),
      request: {
        params: idParam,
        body: { required: true, content: { "application/json": { schema: updateBody } } },
      },
      responses: {
        200: json(templateSchema, "The template as it now is"),
        ...errorResponses(400, 401, 403, 404, 409, 413, 422, 429),
      },
    }),
    async (c) => {
      const row = await updateTemplate(
        c.get("domain"),
        c.req.valid("param").id,
        c.req.valid("json"),
      );
      return c.json(out(row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/templates/{id}",
      summary: "Delete a template",
      description: "409 while a campaign uses it. Messages sent with it keep their text.",
      tags: ["Templates"],
      middleware: endpoint(deps, {
        scope: "templates:write",
        limit: "templates.delete",
        body: "none",
      }),
      request: { params: idParam },
      responses: {
        204: { description: "Deleted" },
        ...errorResponses(401, 403, 404, 409, 429),
      },
    }),
    async (c) => {
      await deleteTemplate(c.get("domain"), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/templates/{id}/submit",
      summary: "Submit a template for WhatsApp approval",
      description:
        "A WhatsApp draft or rejected template becomes pending and goes to WhatsApp's review (a sandbox template, or any when WhatsApp is not configured outside production, is approved by the sandbox after a delay). Any other template is 409. The decision arrives as a template.status_changed event.",
      tags: ["Templates"],
      middleware: endpoint(deps, {
        scope: "templates:write",
        limit: "templates.submit",
        body: "none",
      }),
      request: { params: idParam },
      responses: {
        200: json(templateSchema, "The template, pending"),
        ...errorResponses(401, 403, 404, 409, 429),
      },
    }),
    async (c) => {
      const row = await submitTemplate(c.get("domain"), c.req.valid("param").id);
      return c.json(out(row), 200);
    },
  );
}
