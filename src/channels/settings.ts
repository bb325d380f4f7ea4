import type { Config } from "../config.js";
import type { SandboxTimes } from "./sandbox.js";
import type { SmppSettings } from "./smpp.js";
import type { WhatsAppSettings } from "./whatsapp.js";

/** Which providers this process sends through, and how sends behave. */
export interface ChannelSettings {
  /**
   * In production a channel without a provider fails its messages ("no sms provider configured");
   * elsewhere it sends them to the sandbox, so that development works with nothing configured.
   */
  production: boolean;
  smpp: SmppSettings | null;
  whatsapp: WhatsAppSettings | null;
  sandbox: SandboxTimes;
  /** The waits before each retry of a send a provider refused for a while (5 attempts). */
  retrySeconds: number[];
  /** Messages of one send job in flight at once, per job. */
  concurrency: number;
}

export const DEFAULT_RETRY_SECONDS = [15, 60, 300, 1200];

/** What a worker started without settings uses: no provider, the sandbox unless in production. */
export function defaultChannelSettings(): ChannelSettings {
  return {
    production: process.env.NODE_ENV === "production",
    smpp: null,
    whatsapp: null,
    sandbox: { deliverySeconds: 1, readSeconds: 2 },
    retrySeconds: DEFAULT_RETRY_SECONDS,
    concurrency: 10,
  };
}

export function channelSettingsFromConfig(config: Config): ChannelSettings {
  const timeoutMs = config.PROVIDER_TIMEOUT_SECONDS * 1000;
  const whatsapp =
    config.WHATSAPP_PHONE_NUMBER_ID && config.WHATSAPP_TOKEN
      ? {
          apiUrl: config.WHATSAPP_API_URL ?? "https://graph.facebook.com/v21.0",
          phoneNumberId: config.WHATSAPP_PHONE_NUMBER_ID,
          token: config.WHATSAPP_TOKEN,
          timeoutMs,
        }
      : null;
  return {
    production: config.NODE_ENV === "production",
    smpp: config.SMPP_URL
      ? { url: config.SMPP_URL, sourceAddr: config.SMPP_SOURCE_ADDR ?? null, timeoutMs }
      : null,
    whatsapp,
    sandbox: {
      deliverySeconds: config.SANDBOX_DELIVERY_SECONDS,
      readSeconds: config.SANDBOX_READ_SECONDS,
    },
    retrySeconds: config.MESSAGE_RETRY_SECONDS,
    concurrency: config.SEND_CONCURRENCY,
  };
}
