import type { MailMessage } from "../mail/mailer.js";
import type { Jobs, Queryable } from "./context.js";

export const SEND_MAIL_TASK = "send-mail";

/**
 * Queues a mail in the caller's transaction: it is sent (by a worker, with retries) only if the
 * change that caused it commits.
 */
export function queueMail(db: Queryable, jobs: Jobs, message: MailMessage): Promise<void> {
  return jobs.add(db, SEND_MAIL_TASK, { ...message }, { maxAttempts: 10 });
}
