import { createContextCache } from "@pothos/core";
import DataLoader from "dataloader";
import type { ImportRow } from "../db/types.js";
import { Validation } from "../domain/errors.js";
import { createImport } from "../domain/imports/create.js";
import {
  countImports,
  getImports,
  type ImportErrorRow,
  listImportErrors,
  listImports,
} from "../domain/imports/queries.js";
import { getListsByIds } from "../domain/lists/lists.js";
import type { Page } from "../domain/page.js";
import { builder } from "./builder.js";
import { domainOf, type GraphQLContext } from "./context.js";
import { mutationErrors } from "./errors.js";
import { publicIdOf } from "./ids.js";
import { ListRef } from "./lists.js";
import { keysetConnection } from "./pagination.js";
import { scopedConnection } from "./scoped-connection.js";

const READ = { scope: "imports:read" } as const;

const ImportStatus = builder.enumType("ImportStatus", {
  values: {
    QUEUED: { value: "queued", description: "Stored, waiting for a worker." },
    RUNNING: {
      value: "running",
      description: "Being read and saved, by a worker (or by the CLI that started it).",
    },
    COMPLETED: { value: "completed", description: "Every row is imported or has an error." },
    FAILED: { value: "failed", description: "The file could not be imported; see `failure`." },
  } as const,
});

const ImportErrorRef = builder.objectRef<ImportErrorRow>("ImportError").implement({
  description: "A row of the file that was not imported, and why.",
  authScopes: READ,
  fields: (t) => ({
    row: t.exposeInt("row_number", {
      description: "The row's number among the file's data rows (the header row is not counted).",
    }),
    email: t.exposeString("email", { nullable: true }),
    message: t.exposeString("message"),
  }),
});

/**
 * Errors of every import in a response load together: one query per page shape, not one per
 * import (a page of imports with their first errors costs one statement).
 */
const errorLoaders = createContextCache(
  (context: GraphQLContext) =>
    new DataLoader<{ importId: string; page: Page }, ImportErrorRow[], string>(
      async (keys) => {
        const domain = domainOf(context);
        const byPage = new Map<string, { page: Page; ids: string[] }>();
        for (const { importId, page } of keys) {
          const shape = JSON.stringify(page);
          const group = byPage.get(shape) ?? { page, ids: [] };
          group.ids.push(importId);
          byPage.set(shape, group);
        }
        const results = new Map<string, ImportErrorRow[]>();
        for (const [shape, { page, ids }] of byPage) {
          const rows = await listImportErrors(domain, ids, page);
          for (const [importId, errors] of rows) results.set(`${importId}|${shape}`, errors);
        }
        return keys.map(
          ({ importId, page }) => results.get(`${importId}|${JSON.stringify(page)}`) ?? [],
        );
      },
      { cacheKeyFn: ({ importId, page }) => `${importId}|${JSON.stringify(page)}` },
    ),
);

export const ImportRef = builder.node(builder.objectRef<ImportRow>("Import"), {
  description:
    "An import of subscribers (a CSV file, or a batch of a REST dialect), run as a job: counts, progress and the rows that failed.",
  id: { resolve: (row) => row.public_id },
  authScopes: READ,
  loadMany: (publicIds, context) => getImports(domainOf(context), publicIds),
  fields: (t) => ({
    status: t.field({ type: ImportStatus, resolve: (row) => row.status }),
    source: t.exposeString("source", {
      description: "Where the file came from: graphql, cli, or a REST dialect.",
    }),
    filename: t.exposeString("filename", { nullable: true }),
    list: t.loadable({
      type: ListRef,
      nullable: true,
      description: "The list every imported subscriber joins, if one was given.",
      load: (ids: string[], context) => getListsByIds(domainOf(context), ids),
      resolve: (row) => row.list_id,
    }),
    updateExisting: t.exposeBoolean("update_existing", {
      description: "Whether existing subscribers take the file's non-empty values.",
    }),
    total: t.exposeInt("total", {
      description:
        "Data rows in the file. Until the import completes, the file's line count less the header (an estimate when quoted values span lines).",
    }),
    created: t.exposeInt("created"),
    updated: t.exposeInt("updated", {
      description:
        "Existing subscribers that took the file's values. With updateExisting false, existing subscribers are left as they are and counted in neither.",
    }),
    invalid: t.exposeInt("invalid", { description: "Rows not imported: see `errors`." }),
    processed: t.exposeInt("processed", { description: "Rows read so far." }),
    progress: t.float({
      description: "From 0 to 1; 1 once the import has completed or failed.",
      resolve: progressOf,
    }),
    failure: t.exposeString("failure", {
      nullable: true,
      description: "Why a FAILED import could not be imported.",
    }),
    createdAt: t.expose("created_at", { type: "DateTime" }),
    startedAt: t.expose("started_at", { type: "DateTime", nullable: true }),
    finishedAt: t.expose("finished_at", { type: "DateTime", nullable: true }),
    errors: scopedConnection(t, {
      scope: READ.scope,
      type: ImportErrorRef,
      description: "The rows that were not imported, in file order (known once COMPLETED).",
      resolve: (row, args, context) =>
        keysetConnection(
          args,
          async (page) =>
            (await errorLoaders(context).load({ importId: row.id, page })).map((error) => ({
              ...error,
              id: String(error.row_number),
            })),
          // Every invalid row has exactly one error.
          async () => row.invalid,
        ),
    }),
  }),
});

/** A multipart file part: yoga hands over its own File class, so look at what it can do. */
interface Upload {
  name?: unknown;
  stream: () => AsyncIterable<Uint8Array>;
}

function isUpload(value: unknown): value is Upload {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { stream?: unknown }).stream === "function"
  );
}

function progressOf(row: ImportRow): number {
  if (row.status === "completed" || row.status === "failed") return 1;
  if (row.total <= 0) return 0;
  // The last stretch (the one upsert transaction) happens after every row is read.
  return Math.min(0.99, row.processed / row.total);
}

builder.queryField("imports", (t) =>
  scopedConnection(t, {
    scope: READ.scope,
    type: ImportRef,
    description: "The account's imports, oldest first (`last` gives the newest).",
    resolve: (_root, args, context) => {
      const domain = domainOf(context);
      return keysetConnection(
        args,
        (page) => listImports(domain, page),
        () => countImports(domain),
      );
    },
  }),
);

builder.relayMutationField(
  "importSubscribers",
  {
    inputFields: (t) => ({
      file: t.field({
        type: "File",
        required: true,
        description:
          "The CSV, sent as a GraphQL multipart request part; comma, semicolon and tab separators are detected. A header row names the columns (common spellings such as E-mail or First Name are recognised): email (required), first_name, last_name, phone, timezone (an IANA name), job_title, company, country, address, website, postal_code, birthday (YYYY-MM-DD), tags (names separated by |), and custom fields by name, merge tag or column name. Other columns are ignored.",
      }),
      listId: t.id({ required: false, description: "A list every imported subscriber joins." }),
      updateExisting: t.boolean({
        required: false,
        defaultValue: true,
        description: "Existing subscribers take the file's non-empty values (default true).",
      }),
    }),
  },
  {
    description:
      "Stores the file and queues its import; poll the returned Import (`node`) for progress.",
    authScopes: { scope: "imports:write" },
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) => {
      const file: unknown = input.file;
      if (!isUpload(file)) {
        throw Validation.of(
          ["file"],
          "must be a file sent as a part of a GraphQL multipart request",
        );
      }
      const listId = input.listId == null ? null : publicIdOf(input.listId, "List");
      return createImport(domainOf(context), {
        source: "graphql",
        filename: typeof file.name === "string" ? file.name : null,
        listId,
        updateExisting: input.updateExisting ?? true,
        content: file.stream(),
      });
    },
  },
  {
    outputFields: (t) => ({ import: t.field({ type: ImportRef, resolve: (row) => row }) }),
  },
);
