import nodemailer from "nodemailer";
import type { Logger } from "../log.js";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/**
 * SMTP through nodemailer when `smtpUrl` is set; otherwise each mail is written to the log, so a
 * development setup sees what would have been sent without a mail server.
 */
export function createMailer(smtpUrl: string | undefined, from: string, log: Logger): Mailer {
  if (!smtpUrl) {
    return {
      send: async (message) => {
        log.info({ mail: { from, ...message } }, "mail not sent (no SMTP_URL): logged instead");
      },
    };
  }
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    send: async (message) => {
      const info = await transport.sendMail({ from, ...message });
      log.info(
        { to: message.to, subject: message.subject, messageId: info.messageId },
        "mail sent",
      );
    },
  };
}
