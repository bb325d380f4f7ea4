import type { Transporter } from "nodemailer";
import type { Logger } from "../log.js";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  /** Whether mail leaves (SMTP_URL is set); the email channel sends through no other way. */
  readonly configured: boolean;
  /** The SMTP Message-ID of what was sent; null when nothing was (no SMTP_URL). */
  send(message: MailMessage): Promise<{ messageId: string | null }>;
}

/**
 * SMTP through nodemailer when `smtpUrl` is set. Without it nothing is sent: the log says to whom
 * and what about, and shows the text only at `debug`, because a mail's text holds secrets (a
 * confirmation link subscribes whoever follows it) that an `info` log shipped elsewhere must not
 * carry. A development setup reads its links with LOG_LEVEL=debug.
 */
export function createMailer(smtpUrl: string | undefined, from: string, log: Logger): Mailer {
  if (!smtpUrl) {
    return {
      configured: false,
      send: async (message) => {
        log.info({ to: message.to, subject: message.subject }, "mail not sent (no SMTP_URL)");
        log.debug({ mail: { from, ...message } }, "the mail that was not sent");
        return { messageId: null };
      },
    };
  }
  // nodemailer loads with the first mail, not with every start.
  let transport: Promise<Transporter> | null = null;
  return {
    configured: true,
    send: async (message) => {
      transport ??= import("nodemailer").then(({ default: mailer }) =>
        mailer.createTransport(smtpUrl),
      );
      const info = await (await transport).sendMail({ from, ...message });
      log.info(
        { to: message.to, subject: message.subject, messageId: info.messageId },
        "mail sent",
      );
      return { messageId: info.messageId ?? null };
    },
  };
}
