import type { DB } from "../db/database.js";
import type { MessageChannel } from "../db/types.js";
import type { Jobs } from "../domain/context.js";
import { receiveInbound } from "../domain/messages/inbound.js";
import { recordProviderStatusesWhenKnown } from "../domain/messages/status.js";
import type { Logger } from "../log.js";
import type { Mailer } from "../mail/mailer.js";
import type { Channel } from "./channel.js";
import { emailChannel } from "./email.js";
import type { ChannelSettings } from "./settings.js";
import { createSmppChannel, type SmppChannel, type SmppReceipt } from "./smpp.js";
import { whatsappChannel } from "./whatsapp.js";

// Which way a message leaves: the sandbox for a sandbox message (a sandbox key's) and, outside
// production, for a channel with no provider configured; else the channel's provider. A
// channel with no provider in production fails its messages with that reason.

export type Route =
  | { kind: "sandbox" }
  | { kind: "provider"; channel: Channel }
  | { kind: "unavailable"; reason: string };

export interface Channels {
  readonly settings: ChannelSettings;
  route(channel: MessageChannel, sandbox: boolean): Route;
  /** The SMPP session, when SMPP is configured (tests wait for its bind). */
  readonly smpp: SmppChannel | null;
  /** Ends the SMPP session. */
  close(): Promise<void>;
}

export interface ChannelDeps {
  db: DB;
  jobs: Jobs;
  log: Logger;
  /** The email provider when it is configured (SMTP_URL). */
  mailer: Mailer | null;
}

/** A receipt's final state (SMPP 3.4 Appendix B) as our status; null: not final, ignored. */
export function receiptStatus(receipt: SmppReceipt): "delivered" | "failed" | null {
  if (receipt.state === "DELIVRD") return "delivered";
  if (["UNDELIV", "REJECTD", "EXPIRED", "DELETED"].includes(receipt.state)) return "failed";
  return null;
}

/** How long a receipt waits for the message it names to be recorded as sent (a receipt may
 * come before the send job has recorded the SMSC's id). */
const RECEIPT_WAIT_MS = 10_000;

export function createChannels(settings: ChannelSettings, deps: ChannelDeps): Channels {
  const log = deps.log.child({ component: "channels" });
  const smpp = settings.smpp
    ? createSmppChannel(
        settings.smpp,
        {
          receipt: async (receipt) => {
            const status = receiptStatus(receipt);
            if (!status) return;
            const error =
              receipt.error && receipt.error !== "000" ? `, error ${receipt.error}` : "";
            const report = {
              providerMessageId: receipt.providerMessageId,
              status,
              reason: status === "failed" ? `SMS not delivered: ${receipt.state}${error}` : null,
            };
            await recordProviderStatusesWhenKnown(
              deps.db,
              deps.jobs,
              "sms",
              [report],
              RECEIPT_WAIT_MS,
            );
          },
          inbound: async (message) => {
            await receiveInbound(deps.db, deps.jobs, log, {
              channel: "sms",
              from: message.from,
              body: message.text,
              providerMessageId: null,
            });
          },
        },
        log,
      )
    : null;
  const providers: Record<MessageChannel, Channel | null> = {
    email: deps.mailer?.configured ? emailChannel(deps.mailer) : null,
    sms: smpp,
    whatsapp: settings.whatsapp ? whatsappChannel(settings.whatsapp) : null,
  };
  return {
    settings,
    smpp,
    route(channel, sandbox) {
      if (sandbox) return { kind: "sandbox" };
      const provider = providers[channel];
      if (provider) return { kind: "provider", channel: provider };
      if (!settings.production) return { kind: "sandbox" };
      return { kind: "unavailable", reason: `no ${channel} provider configured` };
    },
    close: async () => {
      await smpp?.close();
    },
  };
}
