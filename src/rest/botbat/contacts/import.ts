import { createRoute } from "@hono/zod-openapi";
import { NotFound } from "../../../domain/errors.js";
import { createImport } from "../../../domain/imports/create.js";
import { getImports, listImportErrors } from "../../../domain/imports/queries.js";
import { csvHeadProblem, HEAD_BYTES } from "../../../domain/imports/sniff.js";
import type { AppDeps } from "../../../http/deps.js";
import { decodeCursor, listOut } from "../cursor.js";
import { endpoint } from "../endpoint.js";
import { validationFailed } from "../errors.js";
import type { BotbatApp } from "../routes.js";
import { errorResponses } from "../schemas.js";
import { badCursor } from "./cursors.js";
import { idParam, importBody, importErrorsQuery, importSchema } from "./schemas.js";
import { importOut } from "./serialize.js";

// POST /v1/contacts/import (a multipart CSV → the product's import pipeline: stored, then run by
// a worker's job) and GET /v1/contacts/import/{id}, its poll.

const oneImport = (description: string) => ({
  description,
  content: { "application/json": { schema: importSchema } },
});

export function registerContactImport(app: BotbatApp, deps: AppDeps): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/contacts/import",
      summary: "Bulk import contacts via CSV upload",
      description:
        "multipart/form-data with the CSV in a part named `file`: a header row naming the columns (email required; first_name, last_name, phone, tags separated by |, properties by name), then one contact per row. Answers 202 with the import and its poll's URL in `Location`. A file that is not a CSV (binary, empty, no header with an email column) is 422 at once and creates nothing; bad rows are reported by the poll.",
      tags: ["Contacts"],
      middleware: endpoint(deps, {
        scope: "subscribers:write",
        limit: "contacts.import",
        body: "multipart",
      }),
      request: {
        body: { required: true, content: { "multipart/form-data": { schema: importBody } } },
      },
      responses: {
        202: {
          ...oneImport("The import, queued"),
          headers: { Location: { schema: { type: "string" }, description: "The poll's path" } },
        },
        ...errorResponses(400, 401, 403, 404, 413, 422, 429),
      },
    }),
    async (c) => {
      const ctx = c.get("domain");
      const { file, segment } = c.req.valid("form");
      const head = new Uint8Array(await file.slice(0, HEAD_BYTES).arrayBuffer());
      const problem = csvHeadProblem(head);
      if (problem !== null) throw validationFailed([{ field: "file", message: problem }]);
      const row = await createImport(ctx, {
        source: "botbat",
        filename: file.name || null,
        listId: segment ?? null,
        // Node's web streams are async iterables of bytes.
        content: file.stream() as unknown as AsyncIterable<Uint8Array>,
      });
      c.header("Location", `/v1/contacts/import/${row.public_id}`);
      return c.json(importOut(row, null), 202);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/contacts/import/{id}",
      summary: "Get an import's status",
      description:
        "Status (queued, running, completed, failed), counts, and the refused rows by row number, paged by `limit` and `cursor`.",
      tags: ["Contacts"],
      middleware: endpoint(deps, { scope: "subscribers:read", limit: "imports.get", body: "none" }),
      request: { params: idParam, query: importErrorsQuery },
      responses: { 200: oneImport("The import"), ...errorResponses(400, 401, 403, 404, 422, 429) },
    }),
    async (c) => {
      const ctx = c.get("domain");
      const { id } = c.req.valid("param");
      const query = c.req.valid("query");
      let afterId: string | undefined;
      if (query.cursor !== undefined) {
        const [row] = decodeCursor(query.cursor, 1);
        if (typeof row !== "number" || !Number.isInteger(row)) throw badCursor();
        afterId = String(row);
      }
      const [imp] = await getImports(ctx, [id]);
      if (!imp) throw new NotFound("Import", id);
      const errors = await listImportErrors(ctx, [imp.id], {
        afterId,
        limit: query.limit + 1,
        backward: false,
      });
      const page = listOut(
        errors.get(imp.id) ?? [],
        query.limit,
        imp.invalid,
        (error) => error,
        (error) => [error.row_number],
      );
      return c.json(importOut(imp, page), 200);
    },
  );
}
