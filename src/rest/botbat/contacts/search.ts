import { createRoute } from "@hono/zod-openapi";
import { loadFields } from "../../../domain/fields/read.js";
import { type SearchPosition, searchContacts } from "../../../domain/subscribers/search.js";
import type { AppDeps } from "../../../http/deps.js";
import { decodeCursor, listOut } from "../cursor.js";
import { endpoint } from "../endpoint.js";
import type { BotbatApp } from "../routes.js";
import { errorResponses } from "../schemas.js";
import { badCursor } from "./cursors.js";
import { searchQuery, searchResult } from "./schemas.js";
import { contactOut } from "./serialize.js";

// GET /v1/contacts/search?q=: fuzzy, best match first; the cursor holds the last row's score
// and position.

function afterOf(cursor: string | undefined): SearchPosition | undefined {
  if (cursor === undefined) return undefined;
  const [score, id] = decodeCursor(cursor, 2);
  if (typeof score !== "number" || typeof id !== "string" || !/^\d{1,18}$/.test(id))
    throw badCursor();
  return { score, id };
}

export function registerContactSearch(app: BotbatApp, deps: AppDeps): void {
  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/contacts/search",
      summary: "Search contacts by name, email, or phone",
      description:
        "Fuzzy: names by their sound and one typo away (`jon smyth` finds John Smith), emails by their beginning (`mary.jo`), phones by the end of their digits (`(415) 555-0100` finds +14155550100); only when none of these finds anyone, by trigram word similarity (a typo inside an email). Best match first; at most 1,000 candidates are taken per way, and `total` counts at most those.",
      tags: ["Contacts"],
      middleware: endpoint(deps, {
        scope: "subscribers:read",
        limit: "contacts.search",
        body: "none",
      }),
      request: { query: searchQuery },
      responses: {
        200: {
          description: "A page of matching contacts, best first",
          content: { "application/json": { schema: searchResult } },
        },
        ...errorResponses(400, 401, 403, 422, 429),
      },
    }),
    async (c) => {
      const ctx = c.get("domain");
      const query = c.req.valid("query");
      const after = afterOf(query.cursor);
      const [page, fields] = await Promise.all([
        searchContacts(ctx, query.q, { after, limit: query.limit }),
        loadFields(ctx),
      ]);
      return c.json(
        listOut(
          page.rows,
          query.limit,
          page.total,
          (row) => ({ ...contactOut(row, fields), score: row.score }),
          (row) => [row.score, row.id],
        ),
        200,
      );
    },
  );
}
