import { randomUUID } from "node:crypto";
import type { Channel, SendResult } from "./channel.js";

// The sandbox: nothing leaves. A message is "sent" at once with an id of our own, then moves to
// delivered and read inside the system after SandboxTimes (jobs/sandbox-lifecycle.ts). The send
// job takes sandbox messages a batch at a time in one statement (sandboxProviderId is its SQL
// twin); this Channel is the same for one message.

export const SANDBOX_LIFECYCLE_TASK = "sandbox-lifecycle";

export interface SandboxTimes {
  /** Seconds from sent to delivered. */
  deliverySeconds: number;
  /** Seconds from delivered to read. */
  readSeconds: number;
}

export interface SandboxLifecyclePayload {
  /** Internal ids of messages to move. */
  messageIds: string[];
  status: "delivered" | "read";
}

export function sandboxProviderId(): string {
  return `sandbox-${randomUUID()}`;
}

export const sandboxChannel: Channel = {
  async send(): Promise<SendResult> {
    return { providerMessageId: sandboxProviderId() };
  },
};
