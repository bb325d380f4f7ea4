import { Hono, type Context as HonoContext } from "hono";
import { fieldsPage } from "../../domain/fields/read.js";
import { existingEmails, resolveImportTargets } from "../../domain/imports/targets.js";
import { listsPage } from "../../domain/lists/lists.js";
import { tagsPage } from "../../domain/tags/tags.js";
import type { AppDeps } from "../../http/deps.js";
import { bodyLimitOf, bodyText } from "../kit/body.js";
import { answerError, handle } from "../kit/errors.js";
import { describeProblems } from "../kit/pairs.js";
import { checkUrl } from "../kit/url.js";
import { authorize } from "./auth.js";
import { classifyContacts, emailsOf, MAX_CONTACTS, parseContactBody } from "./contacts.js";
import { AudienceError, audienceErrors, errorResponse, invalid } from "./errors.js";
import { catalogQuery, tagQuery } from "./params.js";
import { queueContacts } from "./queue.js";
import { contactEnvelope, fieldOut, listOut, pageEnvelope, tagEnvelope } from "./serialize.js";
import { refuseUnstorableFields, setAsideUnstorable, withRefused } from "./text.js";

// The audience dialect ("Email Marketing API", specs/002): lists, custom fields and tags to
// read, and contacts to create in batches of up to 100, written by an import job. Every error
// leaves through the dialect's one mapper (errors.ts), in the endpoint's envelope.

/** 100 contacts with a few dozen custom fields each fit many times over. */
export const CONTACT_BODY_LIMIT = 1024 * 1024;

const BASE = "/audience/v1/:sid";

/** The body as JSON, whatever the Content-Type; 400 `MALFORMED_JSON` when it is not UTF-8 JSON. */
async function jsonBody(c: HonoContext): Promise<unknown> {
  const text = await bodyText(c);
  if (text === null) throw new AudienceError(400, "MALFORMED_JSON", "The body is not valid UTF-8.");
  try {
    return JSON.parse(text);
  } catch {
    throw new AudienceError(400, "MALFORMED_JSON", "The body is not valid JSON.");
  }
}

export function createAudienceRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  // Handlers throw; `handle` answers whatever they throw through the dialect's mapper (Hono's
  // onError sees only Error instances), and onError what middleware throws.
  app.onError((error, c) => answerError(audienceErrors, c, error));

  // Before the key is checked: the sid comes from the path.
  app.use(
    "/audience/v1/*",
    checkUrl((c, problems) => {
      const summary = describeProblems(problems);
      return errorResponse(c, invalid(`Invalid request: ${summary}.`, problems));
    }),
  );

  app.get(
    `${BASE}/list`,
    handle(audienceErrors, async (c) => {
      const ctx = await authorize(c, deps, "lists:read");
      const query = catalogQuery(c.req.query());
      const page = await listsPage(ctx, { search: query.name }, query.page);
      return c.json(pageEnvelope(page, query.page.limit, listOut));
    }),
  );

  app.get(
    `${BASE}/custom-field`,
    handle(audienceErrors, async (c) => {
      const ctx = await authorize(c, deps, "fields:read");
      const query = catalogQuery(c.req.query());
      const page = await fieldsPage(ctx, { search: query.name }, query.page);
      return c.json(pageEnvelope(page, query.page.limit, fieldOut));
    }),
  );

  app.get(
    `${BASE}/tag`,
    handle(audienceErrors, async (c) => {
      const ctx = await authorize(c, deps, "tags:read");
      const query = tagQuery(c.req.query());
      const page = await tagsPage(ctx, { search: query.name, status: query.status }, query.page);
      return c.json(tagEnvelope(page, query.page.limit));
    }),
  );

  app.post(
    `${BASE}/contact`,
    bodyLimitOf(CONTACT_BODY_LIMIT, (c, limit) =>
      errorResponse(
        c,
        new AudienceError(
          413,
          "PAYLOAD_TOO_LARGE",
          `The body may be at most ${limit} (and ${MAX_CONTACTS} contacts).`,
        ),
      ),
    ),
    handle(audienceErrors, async (c) => {
      const ctx = await authorize(c, deps, "subscribers:write");
      const raw = await jsonBody(c);
      const body = parseContactBody(raw);
      refuseUnstorableFields(raw);
      const targets = await resolveImportTargets(ctx, {
        listId: body.list_id,
        tagIds: body.tags ?? [],
        paths: { listId: ["list_id"], tagIds: ["tags"] },
      });
      const updateExisting = body.update_subscribers ?? false;
      const { storable, refused } = setAsideUnstorable(body.data);
      const classified = withRefused(
        body.data,
        refused,
        classifyContacts(storable, {
          fields: targets.fields,
          existing: await existingEmails(ctx, emailsOf(storable)),
          updateExisting,
        }),
      );
      // Serialized before the write: once the import is queued, the answer can no longer fail.
      const answer = JSON.stringify(contactEnvelope(classified));
      if (classified.valid.length > 0) {
        const queued = await queueContacts(ctx, {
          contacts: classified.valid.map((contact) => contact.accepted),
          list: targets.list,
          tags: targets.tags,
          updateExisting,
        });
        c.header("X-Import-Id", queued.importId);
      }
      return c.body(answer, 202, { "Content-Type": "application/json" });
    }),
  );

  // Any other path or method under the dialect's prefix: its envelope, not the app's.
  app.all("/audience/v1/*", (c) =>
    errorResponse(
      c,
      new AudienceError(404, "NOT_FOUND", `No endpoint ${c.req.method} ${c.req.path}.`),
    ),
  );
  return app;
}
