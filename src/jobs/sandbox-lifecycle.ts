import type { Task } from "graphile-worker";
import { z } from "zod";
import { SANDBOX_LIFECYCLE_TASK } from "../channels/sandbox.js";
import { recordStatuses } from "../domain/messages/status.js";
import type { WorkerDeps } from "./deps.js";
import { jobs as queue } from "./queue.js";
import { channelsOf } from "./send-messages.js";

// The sandbox's provider: a batch of sent messages is delivered, then read, after the configured
// waits, in one statement per step. A message that moved on meanwhile (failed, or read) stays.

const payloadSchema = z.object({
  messageIds: z.array(z.string().regex(/^\d+$/)).max(1000),
  status: z.enum(["delivered", "read"]),
});

export function sandboxLifecycleTask(deps: WorkerDeps): Task {
  return async (payload) => {
    const { messageIds, status } = payloadSchema.parse(payload);
    const { sandbox } = channelsOf(deps).settings;
    await deps.db.transaction().execute(async (trx) => {
      const changed = await recordStatuses(
        trx,
        queue,
        messageIds.map((id) => ({ id, status })),
      );
      if (status !== "delivered" || changed.length === 0) return;
      await queue.add(
        trx,
        SANDBOX_LIFECYCLE_TASK,
        { messageIds: changed.map((row) => row.id), status: "read" },
        { runAt: new Date(Date.now() + sandbox.readSeconds * 1000) },
      );
    });
  };
}
