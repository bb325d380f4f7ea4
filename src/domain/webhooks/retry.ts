import type { WebhookSettings } from "./settings.js";

// When the next attempt of a failed delivery is due: the retry's base wait, drawn within ± the
// jitter so that the retries of many deliveries failed at once do not arrive at once. Null once
// every retry is spent.

export function nextAttemptDelay(
  settings: Pick<WebhookSettings, "retryDelaysMs" | "jitter">,
  attempt: number,
  random: () => number = Math.random,
): number | null {
  const base = settings.retryDelaysMs[attempt - 1];
  if (base === undefined) return null;
  return Math.round(base * (1 - settings.jitter + 2 * settings.jitter * random()));
}

/** Whether an answer counts as delivered: any 2xx; a redirect is not followed, so it fails. */
export function delivered(status: number | null): boolean {
  return status !== null && status >= 200 && status < 300;
}
