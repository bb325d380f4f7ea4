import type { TaskList } from "graphile-worker";
import { SANDBOX_LIFECYCLE_TASK } from "../channels/sandbox.js";
import { FAN_OUT_TASK, FINISH_TASK } from "../domain/campaigns/status.js";
import { WAKE_CONVERSATION_TASK } from "../domain/conversations/changes.js";
import { IMPORT_TASK } from "../domain/imports/create.js";
import { SEND_MAIL_TASK } from "../domain/mail.js";
import { SEND_MESSAGES_TASK } from "../domain/messages/queue.js";
import { APPROVE_SANDBOX_TEMPLATE_TASK, SUBMIT_TEMPLATE_TASK } from "../domain/templates/submit.js";
import { DELETE_WHATSAPP_TEMPLATE_TASK } from "../domain/templates/whatsapp-delete.js";
import { DELIVER_WEBHOOK_TASK } from "../domain/webhooks/events.js";
import { campaignFanOutTask, campaignFinishTask } from "./campaign-fan-out.js";
import { deleteWhatsAppTemplateTask } from "./delete-whatsapp-template.js";
import { deliverWebhookTask } from "./deliver-webhook.js";
import type { WorkerDeps } from "./deps.js";
import { importSubscribersTask } from "./import-subscribers.js";
import { sandboxLifecycleTask } from "./sandbox-lifecycle.js";
import { sendMailTask } from "./send-mail.js";
import { sendMessagesTask } from "./send-messages.js";
import { approveSandboxTemplateTask, submitTemplateTask } from "./template-review.js";
import { wakeConversationTask } from "./wake-conversation.js";

/** Every task the workers run, by name. */
export function createTaskList(deps: WorkerDeps): TaskList {
  return {
    [IMPORT_TASK]: importSubscribersTask(deps),
    [SEND_MAIL_TASK]: sendMailTask(deps),
    [DELIVER_WEBHOOK_TASK]: deliverWebhookTask(deps),
    [SUBMIT_TEMPLATE_TASK]: submitTemplateTask(deps),
    [APPROVE_SANDBOX_TEMPLATE_TASK]: approveSandboxTemplateTask(deps),
    [SEND_MESSAGES_TASK]: sendMessagesTask(deps),
    [SANDBOX_LIFECYCLE_TASK]: sandboxLifecycleTask(deps),
    [FAN_OUT_TASK]: campaignFanOutTask(deps),
    [FINISH_TASK]: campaignFinishTask(deps),
    [WAKE_CONVERSATION_TASK]: wakeConversationTask(deps),
    [DELETE_WHATSAPP_TEMPLATE_TASK]: deleteWhatsAppTemplateTask(deps),
  };
}
