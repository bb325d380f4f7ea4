import type { Issue } from "../errors.js";
import { hostProblem, urlFormProblem } from "./address.js";
import { EVENT_TYPES, type EventType } from "./events.js";
import { webhookSettings } from "./settings.js";

// What a client may set on a webhook, checked all at once: every problem is reported.

export interface WebhookInput {
  url: string;
  events: readonly string[];
  description?: string | null;
  /** Absent on creation: true. */
  active?: boolean;
}

export const MAX_URL_LENGTH = 2048;
export const MAX_DESCRIPTION_LENGTH = 500;

export interface CheckedWebhook {
  url: string;
  events: EventType[];
  description: string | null;
}

/** The input's problems (url, events[i], description) and its cleaned values. */
export async function checkWebhook(
  input: WebhookInput,
): Promise<{ issues: Issue[]; checked: CheckedWebhook }> {
  const issues: Issue[] = [];
  const url = input.url.trim();
  const form = url.length > MAX_URL_LENGTH ? `may be at most ${MAX_URL_LENGTH} characters` : null;
  const hasControl = [...url].some((char) => char < " " || char === "\u007f");
  const control = hasControl ? "must not contain control characters" : null;
  const problem = form ?? control ?? urlFormProblem(url);
  if (problem) issues.push({ path: ["url"], message: problem });
  else {
    const host = await hostProblem(new URL(url), webhookSettings().allowPrivate);
    if (host) issues.push({ path: ["url"], message: host });
  }

  if (input.events.length === 0)
    issues.push({ path: ["events"], message: "must name at least one event" });
  const events: EventType[] = [];
  input.events.forEach((event, index) => {
    if (!(EVENT_TYPES as readonly string[]).includes(event))
      issues.push({
        path: ["events", String(index)],
        message: `unknown event ${JSON.stringify(event).slice(0, 80)}: one of ${EVENT_TYPES.join(", ")}`,
      });
    else if (!events.includes(event as EventType)) events.push(event as EventType);
  });

  const description = input.description?.trim() || null;
  // Postgres text cannot hold NUL: refused here rather than failing the write.
  if (description?.includes("\u0000"))
    issues.push({ path: ["description"], message: "must not contain NUL characters" });
  else if (description !== null && description.length > MAX_DESCRIPTION_LENGTH)
    issues.push({
      path: ["description"],
      message: `may be at most ${MAX_DESCRIPTION_LENGTH} characters`,
    });
  return { issues, checked: { url, events, description } };
}
