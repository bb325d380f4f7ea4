import type { Context as HonoContext } from "hono";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createImportFromRows } from "../../domain/imports/create.js";
import { upsertSubscriberWithTagNames } from "../../domain/tags/by-name.js";
import { tagsOfSubscribers } from "../../domain/tags/tagging.js";
import type { AppDeps } from "../../http/deps.js";
import { bodyText, unstorableFields } from "../kit/body.js";
import { checkUrl } from "../kit/url.js";
import { type BotampEnv, botampAuth } from "./auth.js";
import { bodyPath, botampError, domainError, invalid, zodError } from "./errors.js";
import {
  batchBody,
  IMPORT_COLUMNS,
  singleBody,
  subscriberOut,
  toImportRow,
  toSubscriberInput,
} from "./serialize.js";

// botamp's two documented endpoints (src/rest/botamp/README.md says what each answers).

/** One subscriber: far more than any real one needs. */
export const SINGLE_BODY_LIMIT = 1024 * 1024;
/** A batch: 100,000 subscribers with every field filled take about 30 MB. */
export const BATCH_BODY_LIMIT = 64 * 1024 * 1024;

const SINGLE = "/api/subscribers/create_or_update";
const MANY = "/api/subscribers/create_or_update_many";

function limit(maxSize: number) {
  return bodyLimit({
    maxSize,
    onError: (c) =>
      botampError(
        c,
        413,
        "payload_too_large",
        `the request body may be at most ${maxSize / 1024 / 1024} MB`,
        // The rest of the body is never read: the connection cannot carry another request.
        { headers: { Connection: "close" } },
      ),
  });
}

/**
 * The body as JSON (for duplicate keys JSON.parse keeps the last occurrence), or the answer
 * refusing it: not UTF-8 or not JSON is `invalid_json`; text that cannot be stored (a NUL, a lone
 * surrogate), anywhere, is the whole request's `invalid_request`, in the batch too.
 */
async function readJson(
  c: HonoContext,
): Promise<{ ok: true; value: unknown } | { ok: false; answer: Response }> {
  const text = await bodyText(c);
  if (text === null) {
    return {
      ok: false,
      answer: botampError(c, 400, "invalid_json", "the request body is not valid UTF-8"),
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return {
      ok: false,
      answer: botampError(c, 400, "invalid_json", "the request body is not valid JSON"),
    };
  }
  const problems = unstorableFields(value, bodyPath);
  if (problems.length > 0) return { ok: false, answer: invalid(c, problems) };
  return { ok: true, value };
}

export function createBotampRoutes(deps: AppDeps): Hono<BotampEnv> {
  const app = new Hono<BotampEnv>();
  const url = checkUrl<BotampEnv>((c, problems) => invalid(c, problems));

  app.post(
    SINGLE,
    url,
    botampAuth(deps, "subscribers:write"),
    limit(SINGLE_BODY_LIMIT),
    async (c) => {
      const json = await readJson(c);
      if (!json.ok) return json.answer;
      const parsed = singleBody.safeParse(json.value);
      if (!parsed.success) return zodError(c, parsed.error);
      const ctx = c.get("domain");
      const { subscriber } = parsed.data;
      try {
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
      } catch (error) {
        return domainError(c, error);
      }
    },
  );

  app.post(MANY, url, botampAuth(deps, "subscribers:write"), limit(BATCH_BODY_LIMIT), async (c) => {
    const json = await readJson(c);
    if (!json.ok) return json.answer;
    const parsed = batchBody.safeParse(json.value);
    if (!parsed.success) return zodError(c, parsed.error);
    const ctx = c.get("domain");
    const { subscribers } = parsed.data;
    try {
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
    } catch (error) {
      return domainError(c, error);
    }
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
