import { createRoute, type z } from "@hono/zod-openapi";
import type { CampaignRow } from "../../../db/types.js";
import {
  type CampaignInput,
  countCampaigns,
  createCampaign,
  deleteCampaign,
  getCampaign,
  pageCampaigns,
  updateCampaign,
} from "../../../domain/campaigns/campaigns.js";
import { campaignsData } from "../../../domain/campaigns/payload.js";
import { sendCampaign } from "../../../domain/campaigns/send.js";
import type { Context } from "../../../domain/context.js";
import type { AppDeps } from "../../../http/deps.js";
import { unstorableFields } from "../../kit/body.js";
import { afterIdOf, listOut, listSchema, pageQuery } from "../cursor.js";
import { endpoint } from "../endpoint.js";
import { fieldPath, validationFailed } from "../errors.js";
import type { BotbatApp } from "../routes.js";
import { errorResponses, json } from "../schemas.js";
import { campaignSchema, createBody, idParam, listQuery, sendBody, updateBody } from "./schemas.js";

// The six endpoints of the Campaigns API (README.md, "Campaigns").

type Body = z.infer<typeof updateBody>;

/** A body's strings that Postgres cannot store (NUL, lone surrogates): 422 before any write. */
function inputOf(body: Body): CampaignInput {
  const problems = unstorableFields(body, fieldPath);
  if (problems.length > 0) throw validationFailed(problems);
  return {
    name: body.name,
    channel: body.channel,
    subject: body.subject,
    body: body.body,
    templateId: body.template_id,
    variables: body.variables === null ? {} : body.variables,
    listIds: body.audience?.list_ids,
    tagIds: body.audience?.tag_ids,
  };
}

async function shown(ctx: Context, row: CampaignRow) {
  const [data] = await campaignsData(ctx.db, ctx.account.id, [row]);
  return data;
}

export function registerCampaignRoutes(app: BotbatApp, deps: AppDeps): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/campaigns",
      summary: "List campaigns",
      description: "Oldest first, by keyset cursor; filtered by status and creation time.",
      tags: ["Campaigns"],
      middleware: endpoint(deps, {
        scope: "campaigns:read",
        limit: "campaigns.list",
        body: "none",
      }),
      request: { query: pageQuery.merge(listQuery) },
      responses: {
        200: json(listSchema(campaignSchema), "A page of campaigns"),
        ...errorResponses(400, 401, 403, 422, 429),
      },
    }),
    async (c) => {
      const ctx = c.get("domain");
      const query = c.req.valid("query");
      const filter = {
        status: query.status,
        createdAfter: query.created_after ? new Date(query.created_after) : undefined,
        createdBefore: query.created_before ? new Date(query.created_before) : undefined,
      };
      const afterId = afterIdOf(query.cursor);
      const [rows, total] = await Promise.all([
        pageCampaigns(ctx, filter, { afterId, limit: query.limit + 1, backward: false }),
        countCampaigns(ctx, filter),
      ]);
      const page = rows.slice(0, query.limit);
      const data = await campaignsData(ctx.db, ctx.account.id, page);
      const shownRows = rows.map((row, i) => ({ row, data: data[i] }));
      return c.json(
        listOut(
          shownRows,
          query.limit,
          total,
          (item) => item.data,
          (item) => [Number(item.row.id)],
        ),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/campaigns",
      summary: "Create a campaign",
      description:
        "A draft. A sandbox key's campaign is sandbox: its messages never leave the system.",
      tags: ["Campaigns"],
      middleware: endpoint(deps, { scope: "campaigns:write", limit: "campaigns.create" }),
      request: {
        body: { required: true, content: { "application/json": { schema: createBody } } },
      },
      responses: {
        201: json(campaignSchema, "The campaign created"),
        ...errorResponses(400, 401, 403, 404, 413, 422, 429),
      },
    }),
    async (c) => {
      const ctx = c.get("domain");
      const row = await createCampaign(ctx, inputOf(c.req.valid("json")));
      return c.json(await shown(ctx, row), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/campaigns/{id}",
      summary: "Get campaign details",
      description: "With its stats, counted from its messages.",
      tags: ["Campaigns"],
      middleware: endpoint(deps, { scope: "campaigns:read", limit: "campaigns.get", body: "none" }),
      request: { params: idParam },
      responses: {
        200: json(campaignSchema, "The campaign"),
        ...errorResponses(401, 403, 404, 429),
      },
    }),
    async (c) => {
      const ctx = c.get("domain");
      return c.json(await shown(ctx, await getCampaign(ctx, c.req.valid("param").id)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/v1/campaigns/{id}",
      summary: "Update a campaign",
      description:
        "Fields left out are unchanged. A draft changes; a scheduled campaign returns to draft (its schedule is dropped, even with an empty body); a sending, completed or failed one is 409.",
      tags: ["Campaigns"],
      middleware: endpoint(deps, { scope: "campaigns:write", limit: "campaigns.update" }),
      request: {
        params: idParam,
        body: { required: true, content: { "application/json": { schema: updateBody } } },
      },
      responses: {
        200: json(campaignSchema, "The campaign as it now is"),
        ...errorResponses(400, 401, 403, 404, 409, 413, 422, 429),
      },
    }),
    async (c) => {
      const ctx = c.get("domain");
      const row = await updateCampaign(ctx, c.req.valid("param").id, inputOf(c.req.valid("json")));
      return c.json(await shown(ctx, row), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/campaigns/{id}",
      summary: "Delete a draft campaign",
      description: "Any other status is 409.",
      tags: ["Campaigns"],
      middleware: endpoint(deps, {
        scope: "campaigns:write",
        limit: "campaigns.delete",
        body: "none",
      }),
      request: { params: idParam },
      responses: {
        204: { description: "Deleted" },
        ...errorResponses(401, 403, 404, 409, 429),
      },
    }),
    async (c) => {
      await deleteCampaign(c.get("domain"), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/campaigns/{id}/send",
      summary: "Send or schedule a campaign",
      description:
        "A draft only. Without `scheduled_at` (or without a body) it is sending at once; with it, scheduled (a time in the past is 422). Another status is 409, so is a template not approved; a campaign with neither template nor body, no audience or a variable without value is 422.",
      tags: ["Campaigns"],
      middleware: endpoint(deps, { scope: "campaigns:write", limit: "campaigns.send" }),
      request: {
        params: idParam,
        body: { required: false, content: { "application/json": { schema: sendBody } } },
      },
      responses: {
        200: json(campaignSchema, "The campaign, sending or scheduled"),
        ...errorResponses(400, 401, 403, 404, 409, 413, 422, 429),
      },
    }),
    async (c) => {
      const ctx = c.get("domain");
      const body = (c.req.valid("json") ?? {}) as z.infer<typeof sendBody>;
      const at = body.scheduled_at ? new Date(body.scheduled_at) : null;
      const row = await sendCampaign(ctx, c.req.valid("param").id, at);
      return c.json(await shown(ctx, row), 200);
    },
  );
}
