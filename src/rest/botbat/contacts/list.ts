import { createRoute } from "@hono/zod-openapi";
import { loadFields } from "../../../domain/fields/read.js";
import { listContacts } from "../../../domain/subscribers/keyset.js";
import type { AppDeps } from "../../../http/deps.js";
import { decodeCursor, listOut } from "../cursor.js";
import { endpoint } from "../endpoint.js";
import type { BotbatApp } from "../routes.js";
import { errorResponses } from "../schemas.js";
import { badCursor } from "./cursors.js";
import { contactList, listQuery } from "./schemas.js";
import { contactOut } from "./serialize.js";

// GET /v1/contacts: oldest first, by keyset (the cursor holds the last contact's position).

/** A cursor's position as an internal id; a cursor of another list is 400 like any bad one. */
function afterIdOf(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const [id] = decodeCursor(cursor, 1);
  if (typeof id !== "string" || !/^\d{1,18}$/.test(id)) throw badCursor();
  return id;
}

export function registerContactList(app: BotbatApp, deps: AppDeps): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/contacts",
      summary: "List contacts",
      description:
        "Filterable by tag (name), segment (a list's id) and creation time; oldest first. An unknown tag or segment matches nothing.",
      tags: ["Contacts"],
      middleware: endpoint(deps, {
        scope: "subscribers:read",
        limit: "contacts.list",
        body: "none",
      }),
      request: { query: listQuery },
      responses: {
        200: {
          description: "A page of contacts",
          content: { "application/json": { schema: contactList } },
        },
        ...errorResponses(400, 401, 403, 422, 429),
      },
    }),
    async (c) => {
      const ctx = c.get("domain");
      const query = c.req.valid("query");
      const afterId = afterIdOf(query.cursor);
      const [page, fields] = await Promise.all([
        listContacts(
          ctx,
          {
            tag: query.tag,
            listId: query.segment,
            createdAfter: query.created_after ? new Date(query.created_after) : undefined,
            createdBefore: query.created_before ? new Date(query.created_before) : undefined,
          },
          { afterId, limit: query.limit },
        ),
        loadFields(ctx),
      ]);
      return c.json(
        listOut(
          page.rows,
          query.limit,
          page.total,
          (row) => contactOut(row, fields),
          (row) => [row.id],
        ),
        200,
      );
    },
  );
}
