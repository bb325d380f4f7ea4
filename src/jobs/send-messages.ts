import type { Task } from "graphile-worker";
import { sql } from "kysely";
import { z } from "zod";
import type { OutboundMessage } from "../channels/channel.js";
import { ProviderError } from "../channels/channel.js";
import { type Channels, createChannels } from "../channels/index.js";
import {
  SANDBOX_LIFECYCLE_TASK,
  type SandboxLifecyclePayload,
  sandboxProviderId,
} from "../channels/sandbox.js";
import { defaultChannelSettings } from "../channels/settings.js";
import type { DB } from "../db/database.js";
import type { MessageChannel } from "../db/types.js";
import type { Jobs } from "../domain/context.js";
import { SEND_MESSAGES_TASK } from "../domain/messages/queue.js";
import { recordStatuses, type StatusReport } from "../domain/messages/status.js";
import { isPositional, variablesIn } from "../domain/templates/variables.js";
import type { Logger } from "../log.js";
import type { WorkerDeps } from "./deps.js";
import { jobs as queue } from "./queue.js";

// Hands queued messages to their channels. The batch is read in one statement, and only what is
// still queued is sent: a job tried again sends nothing twice that it recorded. The sandbox's
// messages are "sent" in one UPDATE per batch (a 100,000-message campaign in the sandbox is a
// thousand statements, not a hundred thousand); a provider's are sent with bounded concurrency
// and their results recorded one statement per status. A provider's passing refusal (timeout,
// 5xx, dropped connection, throttling) is tried again later, in a job of its own per attempt
// number, with growing waits; past the last attempt, or on a final refusal, the message fails
// with the provider's reason.

const payloadSchema = z.object({
  messageIds: z.array(z.string().regex(/^\d+$/)).max(1000),
});

interface Queued {
  id: string;
  public_id: string;
  channel: MessageChannel;
  address: string;
  subject: string | null;
  body: string;
  variables: unknown;
  sandbox: boolean;
  attempts: number;
  template_name: string | null;
  template_language: string | null;
  template_body: string | null;
}

export interface SendDeps {
  db: DB;
  jobs: Jobs;
  log: Logger;
  channels: Channels;
}

/** The positional values of a WhatsApp template send, in the order of their numbers. */
function templateParameters(templateBody: string, variables: unknown): string[] {
  const values = (variables ?? {}) as Record<string, unknown>;
  return variablesIn(templateBody)
    .filter(isPositional)
    .sort((a, b) => Number(a) - Number(b))
    .map((name) => String(values[name] ?? ""));
}

function outbound(row: Queued): OutboundMessage {
  const template =
    row.channel === "whatsapp" && row.template_name && row.template_body !== null
      ? {
          name: row.template_name,
          language: row.template_language ?? "en",
          parameters: templateParameters(row.template_body, row.variables),
        }
      : null;
  return {
    id: row.public_id,
    channel: row.channel,
    to: row.address,
    subject: row.subject,
    body: row.body,
    template,
  };
}

/** Runs `work` over `items`, at most `limit` at once. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(lanes);
}

/** Records "sent" for a batch; a provider id already taken (a provider reusing ids) is dropped. */
async function recordSent(deps: SendDeps, reports: (StatusReport & { id: string })[]) {
  try {
    await recordStatuses(deps.db, deps.jobs, reports);
  } catch (error) {
    if ((error as { code?: string }).code !== "23505") throw error;
    for (const report of reports) {
      try {
        await recordStatuses(deps.db, deps.jobs, [report]);
      } catch (single) {
        if ((single as { code?: string }).code !== "23505") throw single;
        deps.log.error(
          { messageId: report.id, providerMessageId: report.providerMessageId },
          "the provider gave an id another message has: recorded as sent without it",
        );
        await recordStatuses(deps.db, deps.jobs, [{ ...report, providerMessageId: null }]);
      }
    }
  }
}

async function sendThroughProviders(deps: SendDeps, rows: Queued[]): Promise<void> {
  if (rows.length === 0) return;
  // The attempt is counted before it is made: a worker that dies mid-send still counts it.
  const claimed = await sql<{ id: string; attempts: number }>`
    update messages set attempts = attempts + 1, updated_at = now()
    where id = any(${rows.map((row) => row.id)}::bigint[]) and status = 'queued'
    returning id, attempts`.execute(deps.db);
  const attempts = new Map(claimed.rows.map((row) => [row.id, row.attempts]));
  const sent: (StatusReport & { id: string })[] = [];
  const failed: (StatusReport & { id: string })[] = [];
  const retries = new Map<number, string[]>();
  const maxAttempts = deps.channels.settings.retrySeconds.length + 1;
  await eachLimited(
    rows.filter((row) => attempts.has(row.id)),
    deps.channels.settings.concurrency,
    async (row) => {
      const route = deps.channels.route(row.channel, row.sandbox);
      if (route.kind !== "provider") return;
      try {
        const result = await route.channel.send(outbound(row));
        sent.push({ id: row.id, status: "sent", providerMessageId: result.providerMessageId });
      } catch (error) {
        const attempt = attempts.get(row.id) ?? 1;
        const reason =
          error instanceof ProviderError
            ? error.message
            : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
        const retryable = !(error instanceof ProviderError) || error.retryable;
        if (retryable && attempt < maxAttempts) {
          deps.log.warn({ messageId: row.public_id, attempt, reason }, "send refused for now");
          retries.set(attempt, [...(retries.get(attempt) ?? []), row.id]);
        } else {
          const final = retryable ? `${reason} (after ${attempt} attempts)` : reason;
          failed.push({ id: row.id, status: "failed", reason: final });
        }
      }
    },
  );
  await recordSent(deps, sent);
  await recordStatuses(deps.db, deps.jobs, failed);
  for (const [attempt, messageIds] of retries) {
    const wait = deps.channels.settings.retrySeconds[attempt - 1] ?? 0;
    await deps.jobs.add(
      deps.db,
      SEND_MESSAGES_TASK,
      { messageIds },
      { runAt: new Date(Date.now() + wait * 1000) },
    );
  }
}

/** Sends the messages of one job (internal ids); those no longer queued are left alone. */
export async function sendMessages(deps: SendDeps, messageIds: readonly string[]): Promise<void> {
  if (messageIds.length === 0) return;
  const { rows } = await sql<Queued>`
    select m.id, m.public_id, m.channel, m.address, m.subject, m.body, m.variables, m.sandbox,
      m.attempts, t.name as template_name, t.language as template_language,
      t.body as template_body
    from messages m left join templates t on t.id = m.template_id
    where m.id = any(${[...messageIds]}::bigint[]) and m.status = 'queued'
      and m.direction = 'outbound'`.execute(deps.db);
  const sandbox: Queued[] = [];
  const unavailable: (StatusReport & { id: string })[] = [];
  const providers: Queued[] = [];
  for (const row of rows) {
    const route = deps.channels.route(row.channel, row.sandbox);
    if (route.kind === "sandbox") sandbox.push(row);
    else if (route.kind === "unavailable")
      unavailable.push({ id: row.id, status: "failed", reason: route.reason });
    else providers.push(row);
  }
  if (sandbox.length > 0) {
    await deps.db.transaction().execute(async (trx) => {
      const changed = await recordStatuses(
        trx,
        deps.jobs,
        sandbox.map((row) => ({
          id: row.id,
          status: "sent" as const,
          providerMessageId: sandboxProviderId(),
        })),
      );
      const next: SandboxLifecyclePayload = {
        messageIds: changed.map((row) => row.id),
        status: "delivered",
      };
      if (next.messageIds.length === 0) return;
      const delay = deps.channels.settings.sandbox.deliverySeconds;
      await deps.jobs.add(trx, SANDBOX_LIFECYCLE_TASK, next as unknown as Record<string, unknown>, {
        runAt: new Date(Date.now() + delay * 1000),
      });
    });
  }
  await recordStatuses(deps.db, deps.jobs, unavailable);
  await sendThroughProviders(deps, providers);
}

const defaults = new WeakMap<WorkerDeps, Channels>();

/** The worker's channels; a worker started without them sends to the sandbox (not production). */
export function channelsOf(deps: WorkerDeps): Channels {
  if (deps.channels) return deps.channels;
  let channels = defaults.get(deps);
  if (!channels) {
    channels = createChannels(defaultChannelSettings(), {
      db: deps.db,
      jobs: queue,
      log: deps.log,
      mailer: deps.mailer,
    });
    defaults.set(deps, channels);
  }
  return channels;
}

export function sendMessagesTask(deps: WorkerDeps): Task {
  return async (payload) => {
    const { messageIds } = payloadSchema.parse(payload);
    await sendMessages(
      { db: deps.db, jobs: queue, log: deps.log, channels: channelsOf(deps) },
      messageIds,
    );
  };
}
