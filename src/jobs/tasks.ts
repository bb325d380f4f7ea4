import type { TaskList } from "graphile-worker";
import { IMPORT_TASK } from "../domain/imports/create.js";
import { SEND_MAIL_TASK } from "../domain/mail.js";
import { DELIVER_WEBHOOK_TASK } from "../domain/webhooks/events.js";
import { deliverWebhookTask } from "./deliver-webhook.js";
import type { WorkerDeps } from "./deps.js";
import { importSubscribersTask } from "./import-subscribers.js";
import { sendMailTask } from "./send-mail.js";

/** Every task the workers run, by name. */
export function createTaskList(deps: WorkerDeps): TaskList {
  return {
    [IMPORT_TASK]: importSubscribersTask(deps),
    [SEND_MAIL_TASK]: sendMailTask(deps),
    [DELIVER_WEBHOOK_TASK]: deliverWebhookTask(deps),
  };
}
