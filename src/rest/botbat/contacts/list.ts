import { createHash } from "node:crypto";
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

/**
 * Where a cursor continues: after an internal id, and the total its first page counted. The total
 * is carried only for the filters it was counted under (their digest rides along), so a client
 * walking 1,000,000 contacts pays the count once, not on every page; another filter counts again.
 * A cursor of another list is 400 like any bad one.
 */
function positionOf(
  cursor: string | undefined,
  filters: string,
): { afterId?: string; total?: number } {
  if (cursor === undefined) return {};
  const [id, total, digest] = decodeCursor(cursor, 3);
  if (typeof id !== "string" || !/^\d{1,18}$/.test(id)) throw badCursor();
  if (typeof total !== "number" || !Number.isSafeInteger(total) || total < 0) throw badCursor();
  return digest === filters ? { afterId: id, total } : { afterId: id };
}

/** A short digest of a list's filters (not a secret: it only tells whether they changed). */
function filtersDigest(query: Record<string, unknown>): string {
  const filters = JSON.stringify([
    query.tag,
    query.segment,
    query.created_after,
    query.created_before,
  ]);
  return createHash("sha256").update(filters).digest("base64url").slice(0, 12);
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
      const filters = filtersDigest(query);
      const { afterId, total } = positionOf(query.cursor, filters);
      const [page, fields] = await Promise.all([
        listContacts(
          ctx,
          {
            tag: query.tag,
            listId: query.segment,
            createdAfter: query.created_after ? new Date(query.created_after) : undefined,
            createdBefore: query.created_before ? new Date(query.created_before) : undefined,
          },
          { afterId, limit: query.limit, knownTotal: total },
        ),
        loadFields(ctx),
      ]);
      return c.json(
        listOut(
          page.rows,
          query.limit,
          page.total,
          (row) => contactOut(row, fields),
          (row) => [row.id, page.total, filters],
        ),
        200,
      );
    },
  );
}
