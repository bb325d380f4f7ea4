import type { Task } from "graphile-worker";
import { z } from "zod";
import { wakeConversation } from "../domain/conversations/wake.js";
import type { WorkerDeps } from "./deps.js";

const payloadSchema = z.object({
  accountId: z.string().regex(/^\d+$/),
  conversationId: z.string().regex(/^\d+$/),
});

/** A snoozed conversation's time has come: it opens again (see snoozeConversation). */
export function wakeConversationTask(deps: WorkerDeps): Task {
  return async (payload) => {
    await wakeConversation(deps.db, payloadSchema.parse(payload));
  };
}
