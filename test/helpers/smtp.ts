import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface TestSmtp {
  /** smtp://… URL of this server, for SMTP_URL or createMailer. */
  url: string;
  received: ParsedMail[];
  /** Resolves once `count` mails have arrived (or rejects after `ms`). */
  waitFor: (count: number, ms?: number) => Promise<ParsedMail[]>;
  close: () => Promise<void>;
}

/**
 * A real SMTP server on a random loopback port that keeps every mail it accepts; with `refuse`,
 * it refuses every recipient (550), as a server that will not take the mail.
 */
export async function startTestSmtp(options: { refuse?: boolean } = {}): Promise<TestSmtp> {
  const received: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onRcptTo(_address, _session, callback) {
      if (!options.refuse) return callback();
      const error: Error & { responseCode?: number } = new Error("Mailbox unavailable");
      error.responseCode = 550;
      callback(error);
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    waitFor: async (count, ms = 15_000) => {
      const deadline = Date.now() + ms;
      while (received.length < count) {
        if (Date.now() > deadline)
          throw new Error(`expected ${count} mails, got ${received.length}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
