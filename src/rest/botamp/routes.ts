import type { Context as HonoContext } from "hono";
import { Hono } from "hono";
import { createImportFromRows } from "../../domain/imports/create.js";
import { upsertSubscriberWithTagNames } from "../../domain/tags/by-name.js";
import { tagsOfSubscribers } from "../../domain/tags/tagging.js";
import type { AppDeps } from "../../http/deps.js";
import { bodyLimitOf, bodyText, unstorableFields } from "../kit/body.js";
import { answerError } from "../kit/errors.js";
import { checkUrl } from "../kit/url.js";
import { type BotampEnv, botampAuth } from "./auth.js";
import {
  BotampRefusal,
  bodyPath,
  botampError,
  botampErrors,
  invalid,
  invalidRequest,
} from "./errors.js";
import {
  createOrUpdateBody,
  createOrUpdateManyBody,
  IMPORT_COLUMNS,
  subscriberOut,
  toImportRow,
  toSubscriberInput,
} from "./serialize.js";

// botamp's two documented endpoints (src/rest/botamp/README.md says what each answers). Every
// error, thrown by a handler or a middleware, is answered by botamp's one mapper (errors.ts).

/** One subscriber: far more than any real one needs. */
export const SINGLE_BODY_LIMIT = 1024 * 1024;
/** A batch: 100,000 subscribers with every field filled take about 30 MB. */
export const BATCH_BODY_LIMIT = 64 * 1024 * 1024;

const SINGLE = "/api/subscribers/create_or_update";
const MANY = "/api/subscribers/create_or_update_many";

function limit(maxSize: number) {
  return bodyLimitOf<BotampEnv>(maxSize, (c, most) =>
    botampError(c, 413, "payload_too_large", `the request body may be at most ${most}`),
  );
}

/**
 * The body as JSON (for duplicate keys JSON.parse keeps the last occurrence). Refused: not UTF-8
 * or not JSON is `invalid_json`; text that cannot be stored (a NUL, a lone surrogate), anywhere,
 * is the whole request's `invalid_request`, in the batch too.
 */
async function readJson(c: HonoContext): Promise<unknown> {
  const text = await bodyText(c);
  if (text === null)
    throw new BotampRefusal(400, "invalid_json", "the request body is not valid UTF-8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BotampRefusal(400, "invalid_json", "the request body is not valid JSON");
  }
  const problems = unstorableFields(value, bodyPath);
  if (problems.length > 0) throw invalidRequest(problems);
  return value;
}

export function createBotampRoutes(deps: AppDeps): Hono<BotampEnv> {
  const app = new Hono<BotampEnv>();
  app.onError((error, c) => answerError(botampErrors, c, error));
  const url = checkUrl<BotampEnv>((c, problems) => invalid(c, problems));
  const auth = botampAuth(deps, "subscribers:write");

  app.post(SINGLE, url, auth, limit(SINGLE_BODY_LIMIT), async (c) => {
    // JSON types first (zod), answered alone; then the data, every problem in one answer.
    const { subscriber } = createOrUpdateBody.parse(await readJson(c));
    const ctx = c.get("domain");
    const result = await upsertSubscriberWithTagNames(
      ctx,
      toSubscriberInput(subscriber),
      subscriber.tags ?? [],
    );
    const [tags] = await tagsOfSubscribers(ctx, [result.subscriber.id]);
    return c.json({
      status: "ok",
      created: result.created,
      subscriber: subscriberOut(result.subscriber, tags),
    });
  });

  app.post(MANY, url, auth, limit(BATCH_BODY_LIMIT), async (c) => {
    const { subscribers } = createOrUpdateManyBody.parse(await readJson(c));
    const ctx = c.get("domain");
    const created = await createImportFromRows(ctx, {
      source: "botamp",
      columns: IMPORT_COLUMNS,
      rows: subscribers.map(toImportRow),
      updateExisting: true,
      notifyEmail: ctx.account.owner_email,
    });
    return c.json({
      status: "accepted",
      import_id: created.public_id,
      subscribers: subscribers.length,
      report_to: ctx.account.owner_email,
    });
  });

  for (const path of [SINGLE, MANY]) {
    app.all(path, (c) =>
      botampError(c, 405, "method_not_allowed", `${c.req.method} is not allowed here: use POST`, {
        headers: { Allow: "POST" },
      }),
    );
  }
  return app;
}
