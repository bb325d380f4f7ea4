import { createRoute, z } from "@hono/zod-openapi";
import { getSubscriber } from "../../../domain/subscribers/read.js";
import type { AppDeps } from "../../../http/deps.js";
import { endpoint } from "../endpoint.js";
import type { BotbatApp } from "../routes.js";
import { errorResponses } from "../schemas.js";

// The seven endpoints of the Contacts API, and the import's poll.

const contactSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Contact");

export function registerContactRoutes(app: BotbatApp, deps: AppDeps): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/contacts/{id}",
      summary: "Get contact details",
      tags: ["Contacts"],
      middleware: endpoint(deps, {
        scope: "subscribers:read",
        limit: "contacts.get",
        body: "none",
      }),
      request: { params: z.object({ id: z.string() }) },
      responses: {
        200: {
          description: "The contact",
          content: { "application/json": { schema: contactSchema } },
        },
        ...errorResponses(401, 403, 404, 429),
      },
    }),
    async (c) => {
      const row = await getSubscriber(c.get("domain"), c.req.valid("param").id);
      return c.json(
        {
          id: row.public_id,
          email: row.email,
          first_name: row.first_name,
          last_name: row.last_name,
          created_at: row.created_at.toISOString(),
          updated_at: row.updated_at.toISOString(),
        },
        200,
      );
    },
  );
}
