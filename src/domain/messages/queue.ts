import type { Queryable } from "../context.js";
import type { EventSource } from "../webhooks/events.js";

// Queued messages are handed to the channels by graphile-worker jobs of SEND_MESSAGES_TASK, each
// carrying up to SEND_BATCH message ids (internal). A job per message would cap a campaign at the
// queue's own rate; a batch is sent with the channel's own concurrency. The jobs are added
// through the caller's executor, in the transaction that wrote the messages.

export const SEND_MESSAGES_TASK = "send-messages";
/**
 * A 100,000-message sandbox campaign on 2 cores (bench/README.md, "Campaign"): 3,747 messages/s
 * with batches of 100, 4,744 with 500, 4,772 with 1,000 (and a higher peak of the worker's
 * memory): past 500 the jobs are no longer what limits it.
 */
export const SEND_BATCH = 500;

export interface SendMessagesPayload {
  /** Internal ids of queued messages of one account. */
  messageIds: string[];
}

/** Adds the jobs that send these queued messages, SEND_BATCH per job. */
export async function queueSends(
  db: Queryable,
  source: Pick<EventSource, "jobs">,
  messageIds: readonly string[],
): Promise<void> {
  const payloads: SendMessagesPayload[] = [];
  for (let start = 0; start < messageIds.length; start += SEND_BATCH)
    payloads.push({ messageIds: messageIds.slice(start, start + SEND_BATCH) });
  await source.jobs.addMany(
    db,
    SEND_MESSAGES_TASK,
    payloads as unknown as Record<string, unknown>[],
  );
}
