// How deliveries behave, for the whole process: set once at start from the configuration
// (WEBHOOK_* in src/config.ts); tests shorten the waits. Kept here rather than in each request's
// context because both the API (the address guard at creation) and the worker read it.

export interface WebhookSettings {
  /** Whether URLs may resolve to loopback, private or link-local addresses (tests, local dev). */
  allowPrivate: boolean;
  /** How long a receiver has to answer an attempt. */
  timeoutMs: number;
  /** Wait before each retry, in order: its length is the number of retries. */
  retryDelaysMs: readonly number[];
  /** Each wait is drawn within ± this fraction of its value. */
  jitter: number;
  /** A webhook failing for this long (since its first failure after a success) is disabled. */
  disableAfterMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** 1 min, 5 min, 30 min, 2 h, 9 h: 5 retries over about 11.6 hours (the vendor's "12 hours"). */
export const DEFAULT_RETRY_DELAYS_MS = [MINUTE, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 9 * HOUR];

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  allowPrivate: false,
  timeoutMs: 10_000,
  retryDelaysMs: DEFAULT_RETRY_DELAYS_MS,
  jitter: 0.2,
  disableAfterMs: 24 * HOUR,
};

let current: WebhookSettings = DEFAULT_WEBHOOK_SETTINGS;

export function webhookSettings(): WebhookSettings {
  return current;
}

/** Replaces the given settings (the rest stay the defaults). */
export function configureWebhooks(settings: Partial<WebhookSettings>): void {
  current = { ...DEFAULT_WEBHOOK_SETTINGS, ...settings };
}

/** The settings the configuration gives (src/config.ts's WEBHOOK_* variables). */
export function settingsFromConfig(config: {
  WEBHOOK_ALLOW_PRIVATE: boolean;
  WEBHOOK_TIMEOUT_SECONDS: number;
  WEBHOOK_RETRY_SECONDS: readonly number[];
}): Partial<WebhookSettings> {
  return {
    allowPrivate: config.WEBHOOK_ALLOW_PRIVATE,
    timeoutMs: config.WEBHOOK_TIMEOUT_SECONDS * 1000,
    retryDelaysMs: config.WEBHOOK_RETRY_SECONDS.map((seconds) => seconds * 1000),
  };
}
