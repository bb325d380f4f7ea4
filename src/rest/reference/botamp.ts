import { OpenAPIHono } from "@hono/zod-openapi";
import { BATCH_BODY_LIMIT, SINGLE_BODY_LIMIT } from "../botamp/routes.js";
import { createOrUpdateBody, createOrUpdateManyBody } from "../botamp/serialize.js";
import { BEARER } from "./platform.js";

// botamp's two endpoints in the same reference, under their own tag. botamp's routes are plain
// Hono routes, but the zod schemas that validate their bodies are exported (botamp/serialize.ts):
// the reference shows those, so a change to a body shows here. Its answers are built by plain
// functions (`subscriberOut`), not schemas: they are described in words, and its README has the
// examples.

export const BOTAMP_TAG = "botamp";

const MB = 1024 * 1024;

/** botamp's error envelope, in words: its codes are its own (invalid_json, …). */
const errors = {
  400: {
    description:
      "`invalid_json` (not UTF-8 JSON) or `invalid_request` with one `details` entry per problem",
  },
  401: { description: "`unauthorized`: missing, unknown or revoked key" },
  403: { description: "`forbidden`: the key lacks subscribers:write" },
  405: { description: "`method_not_allowed`: only POST" },
  413: { description: "`payload_too_large`" },
};

/** A registry that only describes: it serves nothing (botamp's own app does). */
export function botampDescription(): OpenAPIHono {
  const described = new OpenAPIHono();
  described.openAPIRegistry.registerPath({
    method: "post",
    path: "/api/subscribers/create_or_update",
    summary: "Create or update a subscriber (botamp)",
    description:
      "Synchronous upsert by email (case-insensitive); tags are added, created when new. " +
      `Body limit ${SINGLE_BODY_LIMIT / MB} MB. Answers 200 ` +
      '`{"status":"ok","created":true|false,"subscriber":{…}}`.',
    tags: [BOTAMP_TAG],
    security: [{ [BEARER]: [] }],
    request: {
      body: { required: true, content: { "application/json": { schema: createOrUpdateBody } } },
    },
    responses: { 200: { description: "Applied: the subscriber as botamp shows it" }, ...errors },
  });
  described.openAPIRegistry.registerPath({
    method: "post",
    path: "/api/subscribers/create_or_update_many",
    summary: "Create or update subscribers in a batch (botamp)",
    description:
      "Asynchronous: the rows become an import; each row's problems are mailed to the account's " +
      `owner when it ends. Body limit ${BATCH_BODY_LIMIT / MB} MB. Answers 200 ` +
      '`{"status":"accepted","import_id":"…","subscribers":n,"report_to":"…"}`.',
    tags: [BOTAMP_TAG],
    security: [{ [BEARER]: [] }],
    request: {
      body: {
        required: true,
        content: { "application/json": { schema: createOrUpdateManyBody } },
      },
    },
    responses: { 200: { description: "Accepted: the import's id" }, ...errors },
  });
  return described;
}
