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
import { LIVENESS_LOCK_SPACE } from "./liveness.js";
import { jobs as queue } from "./queue.js";

// Hands queued messages to their channels. The batch is read in one statement, and only what is
// still queued is sent: a job tried again sends nothing twice that it recorded. The sandbox's
// messages are "sent" in one UPDATE per batch (a 100,000-message campaign in the sandbox is a
// thousand statements, not a hundred thousand); a provider's are sent with bounded concurrency
// and their results recorded one statement per status. A provider's passing refusal (timeout,
// 5xx, dropped connection, throttling) is tried again later, in a job of its own per attempt
// number, with growing waits; past the last attempt, or on a final refusal, the message fails
// with the provider's reason.
//
// A provider send happens at most once. Just before a message leaves, the UPDATE that counts its
// attempt also claims it for this worker pool (send_claimed_by, whose liveness lock tells it
// alive or gone), and only if nobody holds a claim on it; its outcome (sent, failed, or refused
// for now) is recorded and the claim ended in one statement. A worker that dies between the
// provider's answer and that statement leaves the message queued and claimed: whether the
// provider took it is unknown, and sending it again could reach the subscriber twice, so it is
// failed instead (UNKNOWN_OUTCOME, with its message.failed event). A claim of a pool that is
// alive is another job sending that message now, and is left alone; but one of this process's
// own pool that no run here is sending (inFlight) was left by a run whose recording failed, and
// is as unknown as a dead worker's. Claims are settled where the dead worker's job runs again
// (liveness.ts frees it, and it reads exactly these messages): the batch read already brings
// each message's claim, so a batch without claims pays nothing, and no periodic pass has to look
// for claims. Messages are claimed one by one as a lane takes them, and outcomes recorded every
// `concurrency` answers: a crash leaves unknown only what was handed over since the last
// recording, never the messages of the batch that had not left yet.

const payloadSchema = z.object({
  messageIds: z.array(z.string().regex(/^\d+$/)).max(1000),
});

/** Why a message whose send may or may not have reached its provider is failed, not sent again. */
export const UNKNOWN_OUTCOME =
  "outcome unknown: the worker stopped while the provider was handling this message; not sent again to avoid sending it twice";

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
  send_claimed_by: string | null;
  send_claimed_at: Date | null;
}

export interface SendDeps {
  db: DB;
  jobs: Jobs;
  log: Logger;
  channels: Channels;
  /**
   * The worker pool (job_workers.id, graphile-worker's locked_by) whose claims these sends are.
   * Without one (a call outside any worker), the claims name nobody and are never taken for a
   * dead worker's: such a message stays queued if its caller dies mid-send.
   */
  worker?: string | null;
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
  // Every lane ends before this does: none is left running behind a failure.
  const ended = await Promise.allSettled(lanes);
  const failure = ended.find((lane) => lane.status === "rejected");
  if (failure) throw failure.reason;
}

/** Records "sent" for a batch; a provider id already taken (a provider reusing ids) is dropped. */
async function recordSent(deps: SendDeps, reports: (StatusReport & { id: string })[]) {
  const ending = { endSendClaim: true };
  try {
    await recordStatuses(deps.db, deps.jobs, reports, ending);
  } catch (error) {
    if ((error as { code?: string }).code !== "23505") throw error;
    for (const report of reports) {
      try {
        await recordStatuses(deps.db, deps.jobs, [report], ending);
      } catch (single) {
        if ((single as { code?: string }).code !== "23505") throw single;
        deps.log.error(
          { messageId: report.id, providerMessageId: report.providerMessageId },
          "the provider gave an id another message has: recorded as sent without it",
        );
        await recordStatuses(deps.db, deps.jobs, [{ ...report, providerMessageId: null }], ending);
      }
    }
  }
}

/**
 * Messages this process is handing to a provider, counted from before their claim until their
 * outcome is recorded or could not be. A claim of this process's own pool on a message not in it
 * was left by a run that has ended (its recording failed, and graphile-worker runs the job again
 * in the same pool): its outcome is as unknown as a dead worker's.
 */
const inFlight = new Map<string, number>();

function enter(id: string) {
  inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
}

function leave(ids: readonly string[]) {
  for (const id of ids) {
    const n = (inFlight.get(id) ?? 0) - 1;
    if (n > 0) inFlight.set(id, n);
    else inFlight.delete(id);
  }
}

/**
 * Messages of the batch that a send has claimed: those whose pool is gone, or that this pool left
 * from an ended run, are failed as UNKNOWN_OUTCOME; those of a live send (or of no pool) are left
 * to it.
 */
async function settleClaims(deps: SendDeps, claimed: Queued[]): Promise<void> {
  // A claim is its message and attempt: one this run read, not a newer one made since.
  const ended = claimed
    .filter((row) => deps.worker && row.send_claimed_by === deps.worker && !inFlight.has(row.id))
    .map((row) => ({ id: row.id, attempts: row.attempts }));
  const failed = await deps.db.transaction().execute(async (trx) => {
    // Locked, so that no recording or claim comes between the look and the failure. Alive as
    // liveness.ts proves it: the pool's row, and its advisory lock held by some session.
    const { rows: gone } = await sql<{ id: string; public_id: string; worker: string }>`
      select m.id, m.public_id, m.send_claimed_by as worker from messages m
      where m.id = any(${claimed.map((row) => row.id)}::bigint[]) and m.status = 'queued'
        and m.send_claimed_by is not null
        and (
          exists (
            select 1 from jsonb_to_recordset(${JSON.stringify(ended)}::jsonb)
              as e(id bigint, attempts integer)
            where e.id = m.id and e.attempts = m.attempts and m.send_claimed_by = ${deps.worker ?? null}
          )
          or not exists (
            select 1 from job_workers w join pg_locks l
              on l.locktype = 'advisory' and l.granted
                and l.database = (select oid from pg_database where datname = current_database())
                and l.classid = ${LIVENESS_LOCK_SPACE} and l.objid = w.lock_key::oid
                and l.objsubid = 2
            where w.id = m.send_claimed_by
          )
        )
      for update of m`.execute(trx);
    await recordStatuses(
      trx,
      deps.jobs,
      gone.map((row) => ({ id: row.id, status: "failed" as const, reason: UNKNOWN_OUTCOME })),
      { endSendClaim: true },
    );
    return gone;
  });
  if (failed.length > 0)
    deps.log.warn(
      { messages: failed.map((row) => ({ id: row.public_id, worker: row.worker })) },
      "messages whose send ended with no outcome recorded: failed, not sent again",
    );
}

interface ClaimAsk {
  id: string;
  resolve: (attempts: number | null) => void;
  reject: (error: unknown) => void;
}

/**
 * Claims a message for this pool and counts the attempt, when a lane is about to send it; the
 * answer is its attempt number, or null if it is not free to send. The lanes that ask while a
 * claim statement runs share the next one: a message is still claimed only once a lane has it.
 */
function claimer(deps: SendDeps): (id: string) => Promise<number | null> {
  let asks: ClaimAsk[] = [];
  let running = false;
  const run = async () => {
    running = true;
    while (asks.length > 0) {
      const group = asks;
      asks = [];
      try {
        const { rows } = await sql<{ id: string; attempts: number }>`
          update messages set attempts = attempts + 1, send_claimed_by = ${deps.worker ?? null},
            send_claimed_at = now(), updated_at = now()
          where id = any(${group.map((ask) => ask.id)}::bigint[]) and status = 'queued'
            and send_claimed_at is null
          returning id, attempts`.execute(deps.db);
        const attempts = new Map(rows.map((row) => [row.id, row.attempts]));
        for (const ask of group) ask.resolve(attempts.get(ask.id) ?? null);
      } catch (error) {
        for (const ask of group) ask.reject(error);
      }
    }
    running = false;
  };
  return (id) =>
    new Promise((resolve, reject) => {
      asks.push({ id, resolve, reject });
      if (!running) void run();
    });
}

/** Outcomes of provider sends not yet recorded. */
interface Outcomes {
  /** Every message below, in flight until recorded. */
  ids: string[];
  sent: (StatusReport & { id: string })[];
  failed: (StatusReport & { id: string })[];
  /** Refused for now: their claims end here, their retry jobs are added once the batch is done. */
  refused: string[];
}

function noOutcomes(): Outcomes {
  return { ids: [], sent: [], failed: [], refused: [] };
}

async function recordOutcomes(deps: SendDeps, outcomes: Outcomes): Promise<void> {
  await recordSent(deps, outcomes.sent);
  await recordStatuses(deps.db, deps.jobs, outcomes.failed, { endSendClaim: true });
  // Free again: should this job die before adding the retry, its run again sends them.
  if (outcomes.refused.length > 0)
    await sql`
      update messages set send_claimed_by = null, send_claimed_at = null, updated_at = now()
      where id = any(${outcomes.refused}::bigint[]) and status = 'queued'
        and send_claimed_by is not distinct from ${deps.worker ?? null}`.execute(deps.db);
}

async function sendThroughProviders(deps: SendDeps, all: Queued[]): Promise<void> {
  if (all.length === 0) return;
  const claimed = all.filter((row) => row.send_claimed_at !== null);
  if (claimed.length > 0) await settleClaims(deps, claimed);
  const rows = all.filter((row) => row.send_claimed_at === null);
  const retries = new Map<number, string[]>();
  const maxAttempts = deps.channels.settings.retrySeconds.length + 1;
  const limit = deps.channels.settings.concurrency;
  let pending = noOutcomes();
  // One recording at a time, in the order the outcomes came.
  let recording: Promise<void> = Promise.resolve();
  const flush = () => {
    const taken = pending;
    pending = noOutcomes();
    recording = recording.then(() => recordOutcomes(deps, taken)).finally(() => leave(taken.ids));
    return recording;
  };
  const claim = claimer(deps);
  const lanes = eachLimited(rows, limit, async (row) => {
    const route = deps.channels.route(row.channel, row.sandbox);
    if (route.kind !== "provider") return;
    enter(row.id);
    let attempt: number | null = null;
    try {
      // The attempt is counted before it is made: a worker that dies mid-send still counts it.
      attempt = await claim(row.id);
    } finally {
      if (attempt === null) leave([row.id]);
    }
    if (attempt === null) return;
    try {
      const result = await route.channel.send(outbound(row));
      pending.sent.push({
        id: row.id,
        status: "sent",
        providerMessageId: result.providerMessageId,
      });
    } catch (error) {
      const reason =
        error instanceof ProviderError
          ? error.message
          : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
      const retryable = !(error instanceof ProviderError) || error.retryable;
      if (retryable && attempt < maxAttempts) {
        deps.log.warn({ messageId: row.public_id, attempt, reason }, "send refused for now");
        pending.refused.push(row.id);
        retries.set(attempt, [...(retries.get(attempt) ?? []), row.id]);
      } else {
        const final = retryable ? `${reason} (after ${attempt} attempts)` : reason;
        pending.failed.push({ id: row.id, status: "failed", reason: final });
      }
    }
    // With its outcome, in the same tick: a flush takes both or neither.
    pending.ids.push(row.id);
    if (pending.ids.length >= limit) await flush();
  });
  // Whatever ended the lanes, what they learnt is recorded (or, if it cannot be, left unknown).
  await lanes.finally(flush);
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
      t.body as template_body, m.send_claimed_by, m.send_claimed_at
    from messages m left join templates t on t.id = m.template_id
    where m.id = any(${[...messageIds]}::bigint[]) and m.status = 'queued'
      and m.direction = 'outbound'`.execute(deps.db);
  const sandbox: Queued[] = [];
  const unavailable: (StatusReport & { id: string })[] = [];
  const providers: Queued[] = [];
  for (const row of rows) {
    const route = deps.channels.route(row.channel, row.sandbox);
    // Claimed by a provider send: settled by its claim, wherever this worker would route it.
    if (row.send_claimed_at !== null) providers.push(row);
    else if (route.kind === "sandbox") sandbox.push(row);
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
  return async (payload, helpers) => {
    const { messageIds } = payloadSchema.parse(payload);
    await sendMessages(
      {
        db: deps.db,
        jobs: queue,
        log: deps.log,
        channels: channelsOf(deps),
        // graphile-worker locks a job with its pool's id: the id job_workers proves alive.
        worker: helpers.job.locked_by,
      },
      messageIds,
    );
  };
}
