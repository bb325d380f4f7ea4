import { getConnInfo } from "@hono/node-server/conninfo";
import { Hono, type Context as HonoContext } from "hono";
import { stream } from "hono/streaming";
import type { Scope } from "../../domain/accounts/scopes.js";
import {
  addToBlocklist,
  removeFromBlocklist,
  sliceBlocklist,
} from "../../domain/blocklist/blocklist.js";
import type { Context } from "../../domain/context.js";
import { NotFound } from "../../domain/errors.js";
import { createFormField } from "../../domain/fields/form-fields.js";
import { loadFields } from "../../domain/fields/read.js";
import { fieldsOfList } from "../../domain/fields/tagged-values.js";
import { confirmSubscription, requestConfirmation } from "../../domain/lists/confirmations.js";
import { countExported, streamExported } from "../../domain/lists/export.js";
import {
  countSubscribed,
  findList,
  findListByInternalId,
  listsByName,
} from "../../domain/lists/find.js";
import {
  changeAddress,
  deleteByEmail,
  listsOfEmail,
  unsubscribeByEmail,
} from "../../domain/lists/membership-by-email.js";
import { subscribeByEmail } from "../../domain/lists/subscribe.js";
import { type AppDeps, accountContextOf } from "../../http/deps.js";
import { requestLog } from "../kit/auth.js";
import { answerError } from "../kit/errors.js";
import { describeProblems } from "../kit/pairs.js";
import { checkUrl } from "../kit/url.js";
import { accessToken, type MailtrainEnv } from "./auth.js";
import { mailtrainBodyLimit, readInput } from "./body.js";
import {
  CONFIRM_PATH,
  confirmationLink,
  confirmationMail,
  confirmationPage,
} from "./confirm-page.js";
import { envelope, MailtrainError, mailtrainErrors } from "./errors.js";
import { isYes, parseField, parseSubscribe, readMergeValue, requireEmail } from "./form.js";
import { windowOf } from "./query.js";
import {
  camelCase,
  listNameOut,
  listOut,
  listSummaryOut,
  memberOut,
  valueColumns,
} from "./serialize.js";

// Mailtrain v1's API at its own paths (see README.md). Middleware is attached route by route,
// never to a wildcard: other dialects share the /api prefix. Whatever a handler or middleware
// throws is answered by the dialect's error mapper (the sub-app's onError), a 500 included.

type C = HonoContext<MailtrainEnv>;

/** Where a subscription made through this dialect says it came from. */
const SOURCE = "mailtrain";
/** Rows are written in pieces of about this many characters. */
const WRITE_CHUNK = 64 * 1024;

async function listOf(c: C, ctx: Context) {
  const list = await findList(ctx, c.req.param("listId") ?? "");
  if (!list) throw new MailtrainError(404, "Selected listId not found");
  return list;
}

function clientIp(c: C): string | null {
  try {
    return getConnInfo(c).remote.address ?? null;
  } catch {
    return null;
  }
}

export function createMailtrainRoutes(deps: AppDeps): Hono<MailtrainEnv> {
  const app = new Hono<MailtrainEnv>();
  // Set before the routes are mounted: Hono wraps each route of this sub-app with it.
  app.onError((error, c) => answerError(mailtrainErrors, c, error));
  // The URL first: the key itself comes from the query string.
  const url = checkUrl<MailtrainEnv>((c, problems) => envelope(c, 400, describeProblems(problems)));
  const read = (scope: Scope) => [url, accessToken(deps, scope)] as const;
  const write = (scope: Scope) => [url, accessToken(deps, scope), mailtrainBodyLimit()] as const;
  const publicBase = (c: C) => (deps.publicUrl ?? new URL(c.req.url).origin).replace(/\/+$/, "");

  app.get("/api/subscriptions/:listId", ...read("subscribers:read"), async (c) => {
    const ctx = c.get("domain");
    const list = await listOf(c, ctx);
    const window = windowOf(c);
    const total = await countExported(ctx, list.id);
    const columns = valueColumns(fieldsOfList(await loadFields(ctx), list.id)).map((field) => ({
      key: camelCase(field.column_name),
      field,
    }));
    c.header("Content-Type", "application/json; charset=UTF-8");
    return stream(
      c,
      async (out) => {
        const head = { total, start: window.start, limit: window.limit };
        let chunk = `{"data":${JSON.stringify(head).slice(0, -1)},"subscriptions":[`;
        let first = true;
        const rows = streamExported(ctx, list.id, { start: window.start, limit: window.rows });
        for await (const row of rows) {
          // A client that hung up stops the read: the loop's exit closes the cursor.
          if (out.aborted) break;
          chunk += (first ? "" : ",") + JSON.stringify(memberOut(row, columns));
          first = false;
          if (chunk.length >= WRITE_CHUNK) {
            await out.write(chunk);
            chunk = "";
          }
        }
        await out.write(`${chunk}]}}`);
      },
      async (error) => {
        // Headers are gone: the client sees a cut-off body; the log has why.
        c.get("log")?.error({ err: error }, "mailtrain subscriptions stream failed");
      },
    );
  });

  app.post("/api/subscribe/:listId", ...write("subscribers:write"), async (c) => {
    const ctx = c.get("domain");
    const input = await readInput(c);
    const list = await listOf(c, ctx);
    const request = parseSubscribe(input);
    if (isYes(input.REQUIRE_CONFIRMATION)) {
      const base = publicBase(c);
      const id = await requestConfirmation(ctx, list, request, {
        read: readMergeValue,
        mail: (cid) => confirmationMail(list, request, confirmationLink(base, cid)),
      });
      return c.json({ data: { id } });
    }
    const { subscription } = await subscribeByEmail(ctx, list, request, {
      lapsed: isYes(input.FORCE_SUBSCRIBE) ? "resubscribe" : "keep",
      subscribed: "accept",
      source: SOURCE,
      read: readMergeValue,
    });
    return c.json({ data: { id: subscription.public_id } });
  });

  app.post("/api/unsubscribe/:listId", ...write("subscribers:write"), async (c) => {
    const ctx = c.get("domain");
    const input = await readInput(c);
    const list = await listOf(c, ctx);
    const id = await unsubscribeByEmail(ctx, list, requireEmail(input));
    if (id === null) throw new MailtrainError(404, "Subscription with given email not found");
    return c.json({ data: { id: Number(id), unsubscribed: true } });
  });

  app.post("/api/delete/:listId", ...write("subscribers:write"), async (c) => {
    const ctx = c.get("domain");
    const input = await readInput(c);
    const list = await listOf(c, ctx);
    if (!(await deleteByEmail(ctx, list, requireEmail(input))))
      throw new MailtrainError(404, "Subscription not found");
    return c.json({ data: { deleted: true } });
  });

  app.post("/api/changeemail/:listId", ...write("subscribers:write"), async (c) => {
    const ctx = c.get("domain");
    const input = await readInput(c);
    const oldEmail = requireEmail(input, "EMAILOLD", "EMAILOLD argument is required");
    const newEmail = requireEmail(input, "EMAILNEW", "EMAILNEW argument is required");
    const list = await listOf(c, ctx);
    const id = await changeAddress(ctx, list, oldEmail, newEmail);
    if (id === null) throw new MailtrainError(404, "Subscription with given old email not found");
    return c.json({ data: { id: Number(id), changedemail: true } });
  });

  app.post("/api/field/:listId", ...write("fields:write"), async (c) => {
    const ctx = c.get("domain");
    const input = await readInput(c);
    const list = await listOf(c, ctx);
    const field = await createFormField(ctx, list, parseField(input));
    return c.json({ data: { id: Number(field.id), tag: field.mergeTag } });
  });

  app.get("/api/blacklist/get", ...read("blocklist:read"), async (c) => {
    const window = windowOf(c);
    const search = c.req.query("search")?.trim() ?? "";
    const { total, emails } = await sliceBlocklist(
      c.get("domain"),
      { search },
      { start: window.start, limit: window.rows },
    );
    return c.json({ data: { total, start: window.start, limit: window.limit, emails } });
  });

  // Mailtrain's blacklist checked nothing: any text is listed (up to an address's length), and
  // adding twice or removing what is not there are both fine.
  app.post("/api/blacklist/add", ...write("blocklist:write"), async (c) => {
    const email = requireEmail(await readInput(c), "EMAIL", "EMAIL argument are required");
    await addToBlocklist(c.get("domain"), { email }, { anyText: true });
    return c.json({ data: [] });
  });

  app.post("/api/blacklist/delete", ...write("blocklist:write"), async (c) => {
    const email = requireEmail(await readInput(c), "EMAIL", "EMAIL argument are required");
    try {
      await removeFromBlocklist(c.get("domain"), { email });
    } catch (error) {
      if (!(error instanceof NotFound)) throw error;
    }
    return c.json({ data: [] });
  });

  app.get("/api/lists", ...read("lists:read"), async (c) =>
    c.json({ data: (await listsByName(c.get("domain"))).map(listSummaryOut) }),
  );

  app.get("/api/lists/:email", ...read("lists:read"), async (c) => {
    const lists = await listsOfEmail(c.get("domain"), c.req.param("email") ?? "");
    return c.json({ data: lists.map(listNameOut) });
  });

  app.get("/api/list/:id", ...read("lists:read"), async (c) => {
    const ctx = c.get("domain");
    const id = c.req.param("id")?.trim() ?? "";
    if (!/^\d+$/.test(id)) throw new MailtrainError(400, "Missing List ID");
    const list = await findListByInternalId(ctx, id);
    if (!list) return c.json({ data: false });
    return c.json({ data: listOut(list, await countSubscribed(ctx, list.id)) });
  });

  // The link of a confirmation mail: no key, the confirmation id names the account.
  app.get(`${CONFIRM_PATH}/:cid`, async (c) => {
    const log = requestLog(c, deps);
    const result = await confirmSubscription(deps.db, c.req.param("cid"), {
      contextOf: (account) => accountContextOf(deps, account, log),
      read: readMergeValue,
      source: SOURCE,
      optInIp: clientIp(c),
    });
    const { status, html } = confirmationPage(result);
    return c.html(html, status);
  });

  return app;
}
