import type { Mailer } from "../mail/mailer.js";
import { type Channel, type OutboundMessage, ProviderError, type SendResult } from "./channel.js";

// Email leaves through the gateway's one SMTP transport (SMTP_URL), the one its own mails use.
// The provider's id of a message is its SMTP Message-ID.

/** SMTP replies of 5xx are final (no such mailbox, refused); anything else may pass later. */
function isPermanent(error: unknown): boolean {
  const code = (error as { responseCode?: unknown }).responseCode;
  return typeof code === "number" && code >= 500 && code < 600;
}

export function emailChannel(mailer: Mailer): Channel {
  return {
    async send(message: OutboundMessage): Promise<SendResult> {
      let messageId: string | null;
      try {
        ({ messageId } = await mailer.send({
          to: message.to,
          subject: message.subject ?? "",
          text: message.body,
        }));
      } catch (error) {
        const text = error instanceof Error ? error.message : String(error);
        throw new ProviderError(`SMTP: ${text}`, !isPermanent(error));
      }
      if (!messageId) throw new ProviderError("SMTP: the mail was not sent (no SMTP_URL)", false);
      return { providerMessageId: messageId };
    },
  };
}
