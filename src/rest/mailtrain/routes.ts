import { getConnInfo } from "@hono/node-server/conninfo";
import { Hono, type Context as HonoContext } from "hono";
import { stream } from "hono/streaming";
import type { Scope } from "../../domain/accounts/scopes.js";
import type { Context } from "../../domain/context.js";
import { loadFields } from "../../domain/fields/read.js";
import { blockAddress, sliceBlocklist, unblockAddress } from "../../domain/mailtrain/blocklist.js";
import { confirmSubscription, requestConfirmation } from "../../domain/mailtrain/confirmations.js";
import { isYes } from "../../domain/mailtrain/field-types.js";
import { createMailtrainField } from "../../domain/mailtrain/fields.js";
import {
  countSubscribed,
  findListByCid,
  findListById,
  listsByName,
  listsOfEmail,
} from "../../domain/mailtrain/lists.js";
import { countMembers, streamMembers } from "../../domain/mailtrain/members.js";
import {
  changeEmail,
  deleteByEmail,
  unsubscribeByEmail,
} from "../../domain/mailtrain/membership.js";
import { type SubscribeRequest, subscribeToList } from "../../domain/mailtrain/subscribe.js";
import { fieldsOfList } from "../../domain/mailtrain/values.js";
import type { AppDeps } from "../../http/deps.js";
import { describeProblems } from "../kit/pairs.js";
import { checkUrl } from "../kit/url.js";
import { accessToken, type MailtrainEnv } from "./auth.js";
import { type MailtrainInput, mailtrainBodyLimit, readInput } from "./body.js";
import { confirmationPage } from "./confirm-page.js";
import { answerError, envelope, MailtrainError } from "./errors.js";
import { windowOf } from "./query.js";
import { camelCase, listJson, listSummaryJson, memberJson, valueColumns } from "./serialize.js";

// Mailtrain v1's API at its own paths (see README.md). Middleware is attached route by route,
// never to a wildcard: other dialects share the /api prefix.

type C = HonoContext<MailtrainEnv>;
type Handler = (c: C, ctx: Context) => Promise<Response>;

const CONFIRM_PATH = "/subscription/confirm";
/** Rows are written in pieces of about this many characters. */
const WRITE_CHUNK = 64 * 1024;

function handle(handler: Handler) {
  return async (c: C) => {
    try {
      return await handler(c, c.get("domain"));
    } catch (error) {
      return answerError(c, error);
    }
  };
}

async function listOf(c: C, ctx: Context) {
  const list = await findListByCid(ctx, c.req.param("listId") ?? "");
  if (!list) throw new MailtrainError(404, "Selected listId not found");
  return list;
}

function requireEmail(input: MailtrainInput, key = "EMAIL", message = `Missing ${key}`): string {
  const email = input[key] ?? "";
  if (!email) throw new MailtrainError(400, message);
  return email;
}

function subscribeRequest(input: MailtrainInput, email: string): SubscribeRequest {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(input))
    if (key.startsWith("MERGE_")) values[key] = value;
  return {
    email,
    ...(input.FIRST_NAME ? { firstName: input.FIRST_NAME } : {}),
    ...(input.LAST_NAME ? { lastName: input.LAST_NAME } : {}),
    // As sent: the domain stores IANA's spelling, and `tz` shows it lower-cased as Mailtrain did.
    ...(input.TIMEZONE ? { timezone: input.TIMEZONE } : {}),
    values,
  };
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
  // The URL first: the key itself comes from the query string.
  const url = checkUrl<MailtrainEnv>((c, problems) => envelope(c, 400, describeProblems(problems)));
  const read = (scope: Scope) => [url, accessToken(deps, scope)] as const;
  const write = (scope: Scope) => [url, accessToken(deps, scope), mailtrainBodyLimit()] as const;
  const publicBase = (c: C) => (deps.publicUrl ?? new URL(c.req.url).origin).replace(/\/+$/, "");

  app.get(
    "/api/subscriptions/:listId",
    ...read("subscribers:read"),
    handle(async (c, ctx) => {
      const list = await listOf(c, ctx);
      const window = windowOf(c);
      const total = await countMembers(ctx, list.id);
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
          const rows = streamMembers(ctx, list.id, { start: window.start, limit: window.rows });
          for await (const row of rows) {
            // A client that hung up stops the read: the loop's exit closes the cursor.
            if (out.aborted) break;
            chunk += (first ? "" : ",") + JSON.stringify(memberJson(row, columns));
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
    }),
  );

  app.post(
    "/api/subscribe/:listId",
    ...write("subscribers:write"),
    handle(async (c, ctx) => {
      const input = await readInput(c);
      const list = await listOf(c, ctx);
      const request = subscribeRequest(input, requireEmail(input));
      if (isYes(input.REQUIRE_CONFIRMATION)) {
        const base = publicBase(c);
        const id = await requestConfirmation(
          ctx,
          list,
          request,
          (cid) => `${base}${CONFIRM_PATH}/${cid}`,
        );
        return c.json({ data: { id } });
      }
      const { subscription } = await subscribeToList(ctx, list, request, {
        force: isYes(input.FORCE_SUBSCRIBE),
      });
      return c.json({ data: { id: subscription.public_id } });
    }),
  );

  app.post(
    "/api/unsubscribe/:listId",
    ...write("subscribers:write"),
    handle(async (c, ctx) => {
      const input = await readInput(c);
      const list = await listOf(c, ctx);
      const id = await unsubscribeByEmail(ctx, list, requireEmail(input));
      if (id === null) throw new MailtrainError(404, "Subscription with given email not found");
      return c.json({ data: { id: Number(id), unsubscribed: true } });
    }),
  );

  app.post(
    "/api/delete/:listId",
    ...write("subscribers:write"),
    handle(async (c, ctx) => {
      const input = await readInput(c);
      const list = await listOf(c, ctx);
      if (!(await deleteByEmail(ctx, list, requireEmail(input))))
        throw new MailtrainError(404, "Subscription not found");
      return c.json({ data: { deleted: true } });
    }),
  );

  app.post(
    "/api/changeemail/:listId",
    ...write("subscribers:write"),
    handle(async (c, ctx) => {
      const input = await readInput(c);
      const oldEmail = requireEmail(input, "EMAILOLD", "EMAILOLD argument is required");
      const newEmail = requireEmail(input, "EMAILNEW", "EMAILNEW argument is required");
      const list = await listOf(c, ctx);
      const id = await changeEmail(ctx, list, oldEmail, newEmail);
      if (id === null) throw new MailtrainError(404, "Subscription with given old email not found");
      return c.json({ data: { id: Number(id), changedemail: true } });
    }),
  );

  app.post(
    "/api/field/:listId",
    ...write("fields:write"),
    handle(async (c, ctx) => {
      const input = await readInput(c);
      const list = await listOf(c, ctx);
      const field = await createMailtrainField(ctx, list, {
        name: input.NAME ?? "",
        type: input.TYPE ?? "",
        description: input.DESCRIPTION ?? "",
        default: input.DEFAULT ?? "",
        group: input.GROUP ?? "",
        groupTemplate: input.GROUP_TEMPLATE ?? "",
        visible: !/^(false|no|0|)$/i.test(input.VISIBLE ?? ""),
      });
      return c.json({ data: { id: Number(field.id), tag: field.mergeTag } });
    }),
  );

  app.get(
    "/api/blacklist/get",
    ...read("blocklist:read"),
    handle(async (c, ctx) => {
      const window = windowOf(c);
      const search = c.req.query("search")?.trim() ?? "";
      const { total, emails } = await sliceBlocklist(ctx, {
        search,
        start: window.start,
        limit: window.rows,
      });
      return c.json({ data: { total, start: window.start, limit: window.limit, emails } });
    }),
  );

  for (const [path, change] of [
    ["/api/blacklist/add", blockAddress],
    ["/api/blacklist/delete", unblockAddress],
  ] as const) {
    app.post(
      path,
      ...write("blocklist:write"),
      handle(async (c, ctx) => {
        const input = await readInput(c);
        await change(ctx, requireEmail(input, "EMAIL", "EMAIL argument are required"));
        return c.json({ data: [] });
      }),
    );
  }

  app.get(
    "/api/lists",
    ...read("lists:read"),
    handle(async (c, ctx) => c.json({ data: (await listsByName(ctx)).map(listSummaryJson) })),
  );

  app.get(
    "/api/lists/:email",
    ...read("lists:read"),
    handle(async (c, ctx) => {
      const lists = await listsOfEmail(ctx, c.req.param("email") ?? "");
      return c.json({ data: lists.map((list) => ({ id: Number(list.id), name: list.name })) });
    }),
  );

  app.get(
    "/api/list/:id",
    ...read("lists:read"),
    handle(async (c, ctx) => {
      const id = c.req.param("id")?.trim() ?? "";
      if (!/^\d+$/.test(id)) throw new MailtrainError(400, "Missing List ID");
      const list = await findListById(ctx, id);
      if (!list) return c.json({ data: false });
      return c.json({ data: listJson(list, await countSubscribed(ctx, list.id)) });
    }),
  );

  app.get(`${CONFIRM_PATH}/:cid`, async (c) => {
    const result = await confirmSubscription(deps, c.req.param("cid"), clientIp(c));
    const { status, html } = confirmationPage(result);
    return c.html(html, status);
  });

  return app;
}
