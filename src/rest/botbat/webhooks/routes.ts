import type { AppDeps } from "../../../http/deps.js";
import type { BotbatApp } from "../routes.js";

/** The five endpoints of the Webhooks API, and a webhook's deliveries. */
export function registerWebhookRoutes(_app: BotbatApp, _deps: AppDeps): void {}
