import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { sql } from "kysely";
import type { DB } from "../db/database.js";
import type { Jobs } from "../domain/context.js";
import { createGraphQLServer } from "../graphql/server.js";
import type { Logger } from "../log.js";
import { identify } from "./auth.js";
import { graphqlBodyLimit } from "./limits.js";

export interface AppDeps {
  db: DB;
  jobs: Jobs;
  log: Logger;
}

type Env = { Variables: { requestId: string; log: Logger } };

export function createApp({ db, jobs, log }: AppDeps): Hono<Env> {
  const app = new Hono<Env>();
  const graphql = createGraphQLServer();

  app.use(requestId());
  app.use(async (c, next) => {
    const started = performance.now();
    const requestLog = log.child({ requestId: c.get("requestId") });
    c.set("log", requestLog);
    await next();
    requestLog.info(
      {
        method: c.req.method,
        path: c.req.path,
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
    } catch {
      return c.json({ status: "unavailable", database: "unreachable" }, 503);
    }
  });

  app.on(["GET", "POST"], "/graphql", graphqlBodyLimit(), async (c) => {
    const identity = await identify(db, c.req.header("authorization"));
    if (identity.kind === "invalid") {
      return c.json(
        {
          errors: [
            {
              message: "The API key is unknown or revoked.",
              extensions: { code: "UNAUTHENTICATED" },
            },
          ],
        },
        401,
      );
    }
    const domain =
      identity.kind === "key"
        ? { db, jobs, log: c.get("log"), account: identity.account, key: identity.key }
        : null;
    return graphql.fetch(c.req.raw, { domain });
  });

  app.notFound((c) => c.json({ error: "not found", path: c.req.path }, 404));
  app.onError((error, c) => {
    c.get("log")?.error({ err: error }, "unhandled error");
    return c.json({ error: "internal error", requestId: c.get("requestId") }, 500);
  });
  return app;
}
