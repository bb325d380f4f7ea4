import type { MessageChannel } from "../db/types.js";

// One interface over the ways a message leaves the system: email over SMTP, SMS over SMPP,
// WhatsApp through the Cloud API, and the sandbox, where nothing leaves.

export interface OutboundMessage {
  /** The message's public id (a provider reference where the protocol carries one). */
  id: string;
  channel: MessageChannel;
  /** Email address, or E.164 phone for sms and whatsapp. */
  to: string;
  subject: string | null;
  /** The rendered text. */
  body: string;
  /** A WhatsApp template send: its approved name, language and positional values. */
  template?: { name: string; language: string; parameters: string[] } | null;
}

export interface SendResult {
  /** The provider's id of the message; status reports name it. */
  providerMessageId: string;
}

/**
 * A provider's refusal. `retryable` (a timeout, a 5xx, a dropped connection) is tried again with
 * backoff; otherwise (a 4xx, an invalid number) the message fails at once with `message`.
 */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

export interface Channel {
  send(message: OutboundMessage): Promise<SendResult>;
}
