import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { sql } from "kysely";
import { createGraphQLServer } from "../graphql/server.js";
import type { Logger } from "../log.js";
import { RealtimeListener } from "../realtime/listener.js";
import { createAudienceRoutes } from "../rest/audience/routes.js";
import { createBotampRoutes } from "../rest/botamp/routes.js";
import { createBotbatRoutes } from "../rest/botbat/routes.js";
import { createMailtrainRoutes } from "../rest/mailtrain/routes.js";
import { createWhatsAppWebhookRoutes } from "../rest/providers/whatsapp.js";
import { createReferenceRoutes } from "../rest/reference/routes.js";
import { identify } from "./auth.js";
import { type AppDeps, domainContextOf } from "./deps.js";
import { graphqlError } from "./errors.js";
import { graphqlBodyText, graphqlRequestLine } from "./graphql-edge.js";
import { graphqlBodyLimit } from "./limits.js";
import { plannedEdge } from "./planned-edge.js";

export type { AppDeps } from "./deps.js";

type Env = { Variables: { requestId: string; log: Logger } };

/** A confirmation link's id subscribes whoever follows it: it never reaches the logs. */
function loggedPath(path: string): string {
  return path.replace(/^\/subscription\/confirm\/[^/]+/, "/subscription/confirm/:cid");
}

export function createApp(deps: AppDeps): Hono<Env> {
  const { db, log } = deps;
  const app = new Hono<Env>();
  const graphql = createGraphQLServer(log);
  // Opened with the first subscriber only: a server no one subscribes to holds no connection.
  const realtime = deps.realtime ?? new RealtimeListener({ connection: deps.pool.options, log });

  // A GraphQL document a plan answered before is answered first, with what the rest would send.
  app.use("/graphql", plannedEdge(deps));
  // Every response carries X-Request-Id (the caller's, if it sent a sane one); logs carry it too.
  app.use(requestId());
  app.use(async (c, next) => {
    const started = performance.now();
    const requestLog = log.child({ requestId: c.get("requestId") });
    c.set("log", requestLog);
    await next();
    // requestId() sets the header before the handler runs; a handler that answers with a
    // Response of its own (yoga) drops it, so it is set again on whatever goes out.
    c.res.headers.set("X-Request-Id", c.get("requestId"));
    requestLog.info(
      {
        method: c.req.method,
        path: loggedPath(c.req.path),
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      "request",
    );
  });

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    try {
      await sql`select 1`.execute(db);
      return c.json({ status: "ok", database: "reachable" });
    } catch (error) {
      c.get("log").warn({ err: error }, "readiness check: database unreachable");
      return c.json({ status: "unavailable", database: "unreachable" }, 503);
    }
  });

  // Every method: graphqlRequestLine answers those other than GET and POST with a 405.
  const graphqlEdge = [graphqlRequestLine(), graphqlBodyLimit(), graphqlBodyText()] as const;
  app.all("/graphql", ...graphqlEdge, async (c) => {
    const identity = await identify(db, c.req.header("authorization"));
    if (identity.kind === "invalid") {
      return graphqlError(c, 401, "UNAUTHENTICATED", identity.reason, {
        "WWW-Authenticate": 'Bearer realm="contact-gateway"',
      });
    }
    const requestLog = c.get("log");
    const domain = identity.kind === "key" ? domainContextOf(deps, identity, requestLog) : null;
    return graphql.fetch(c.req.raw, { domain, log: requestLog, realtime });
  });

  // REST dialects: each mounts its own documented paths (src/rest/<dialect>/routes.ts).
  app.route("/", createAudienceRoutes(deps));
  app.route("/", createBotampRoutes(deps));
  app.route("/", createMailtrainRoutes(deps));
  const botbat = createBotbatRoutes(deps);
  app.route("/", botbat);
  // Providers' callbacks (message statuses, inbound messages), verified by their own signatures.
  app.route("/", createWhatsAppWebhookRoutes(deps));
  // The browsable reference of botbat's /v1 (and botamp): /openapi.json and /docs.
  app.route("/", createReferenceRoutes(botbat));

  app.notFound((c) => c.json({ error: "not found", path: c.req.path }, 404));
  app.onError((error, c) => {
    c.get("log")?.error({ err: error }, "unhandled error");
    // No detail leaves the process: the request id finds it in the logs.
    if (c.req.path === "/graphql") {
      return graphqlError(c, 500, "INTERNAL_SERVER_ERROR", "Unexpected error.");
    }
    return c.json({ error: "internal error", requestId: c.get("requestId") }, 500);
  });
  return app;
}
