import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps } from "../../http/deps.js";
import { answerError } from "../kit/errors.js";
import type { BotbatEnv } from "./auth.js";
import { registerCampaignRoutes } from "./campaigns/routes.js";
import { registerContactRoutes } from "./contacts/routes.js";
import { registerConversationRoutes } from "./conversations/routes.js";
import { BotbatRefusal, botbatError, botbatErrors, summary, zodProblems } from "./errors.js";
import { registerMessageRoutes } from "./messages/routes.js";
import { registerTemplateRoutes } from "./templates/routes.js";
import { registerWebhookRoutes } from "./webhooks/routes.js";

// botbat's /v1 API (src/rest/botbat/README.md says what each endpoint answers). Routes are
// declared with @hono/zod-openapi: the zod schemas that validate a request are the ones the
// reference at /docs shows. Every error, thrown by a handler, a validator or a middleware, is
// answered by botbat's one mapper (errors.ts).

export type BotbatApp = OpenAPIHono<BotbatEnv>;

export function createBotbatRoutes(deps: AppDeps): BotbatApp {
  const app: BotbatApp = new OpenAPIHono<BotbatEnv>({
    // A request that fails its schema: a bad query, body or path parameter is 422 with one
    // detail per field (a body that is not JSON at all is 400, thrown before this).
    defaultHook: (result) => {
      if (!result.success) {
        const details = zodProblems(result.error);
        throw new BotbatRefusal(422, "validation_error", summary(details), { details });
      }
    },
  });
  app.onError((error, c) => answerError(botbatErrors, c, error));
  // No resource's id holds a NUL or bytes that are not UTF-8: such a path names nothing (and
  // must not reach a query, where Postgres would refuse the text).
  app.use("/v1/*", async (c, next) => {
    if (!storablePath(c.req.path))
      return botbatError(c, 404, "not_found", "no resource has this id");
    await next();
  });
  // Every /v1 operation takes an API key as a bearer token (the reference applies it to each).
  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An API key of the account: `Authorization: Bearer <key>`.",
  });

  registerContactRoutes(app, deps);
  registerWebhookRoutes(app, deps);
  registerTemplateRoutes(app, deps);
  registerCampaignRoutes(app, deps);
  registerMessageRoutes(app, deps);
  registerConversationRoutes(app, deps);

  // Any other path under /v1 is botbat's 404, in its envelope.
  app.all("/v1/*", (c) =>
    botbatError(c, 404, "not_found", `no endpoint ${c.req.method} ${c.req.path}`),
  );
  return app;
}

function storablePath(path: string): boolean {
  try {
    return !decodeURIComponent(path).includes("\u0000");
  } catch {
    return false;
  }
}
