import type { Transaction } from "kysely";
import type { AgentRow, ConversationStatus, Database } from "../../db/types.js";
import { type Context, isSandbox } from "../context.js";
import { NotFound, Validation } from "../errors.js";
import { isPublicId } from "../public-id.js";
import { publishChange } from "../realtime/publish.js";
import { emitEvent } from "../webhooks/events.js";
import { conversationData } from "./payload.js";
import { type ConversationView, getConversation } from "./read.js";

// What an agent does to a conversation: assign it, resolve it, snooze it until a time, open it
// again or set it pending. Each change is one transaction: the row locked, changed, its event
// (assigned, resolved) and its notice to GraphQL subscriptions. Asking for the state a
// conversation is already in changes nothing and emits nothing (a retried click is harmless).

export const WAKE_CONVERSATION_TASK = "wake-conversation";

export interface WakeConversationPayload {
  accountId: string;
  conversationId: string;
}

/** The longest snooze: a year. */
const MAX_SNOOZE_MS = 366 * 24 * 3600 * 1000;

type Change = {
  assignee_id?: string | null;
  status?: ConversationStatus;
  snoozed_until?: Date | null;
  resolved_at?: Date | null;
};

/**
 * Locks the conversation, asks `decide` what to change (null: nothing), writes it, and lets
 * `after` emit its events, all in one transaction; answers the conversation as it now is.
 */
async function changeConversation(
  ctx: Context,
  publicId: string,
  decide: (current: ConversationView, trx: Transaction<Database>) => Promise<Change | null>,
  after: (row: ConversationView, trx: Transaction<Database>) => Promise<void> = async () => {},
): Promise<ConversationView> {
  return ctx.db.transaction().execute(async (trx) => {
    const locked = await trx
      .selectFrom("conversations")
      .select("id")
      .where("account_id", "=", ctx.account.id)
      .where("public_id", "=", publicId)
      .forUpdate()
      .executeTakeFirst();
    if (!locked) throw new NotFound("Conversation", publicId);
    const current = await getConversation(ctx, publicId, trx);
    const change = await decide(current, trx);
    if (change === null) return current;
    await trx
      .updateTable("conversations")
      .set({ ...change, updated_at: new Date() })
      .where("account_id", "=", ctx.account.id)
      .where("id", "=", current.id)
      .execute();
    const row = await getConversation(ctx, publicId, trx);
    await after(row, trx);
    await publishChange(trx, { accountId: ctx.account.id, topic: "conversation", id: publicId });
    return row;
  });
}

function eventData(row: ConversationView, agent?: AgentRow | null): Record<string, unknown> {
  const conversation = conversationData(row, {
    contactId: row.contact_public_id,
    assigneeId: row.assignee_public_id,
  });
  if (agent === undefined) return { conversation };
  return {
    conversation,
    agent: agent && { id: agent.public_id, name: agent.name, email: agent.email },
  };
}

/** Who emits: the request's key, for the conversation's own sandbox flag. */
function sourceOf(ctx: Context, row: ConversationView) {
  return {
    account: ctx.account,
    jobs: ctx.jobs,
    key: ctx.key,
    sandbox: row.sandbox || isSandbox(ctx),
  };
}

/**
 * Assigns the conversation to an agent of the account (its public id), or to nobody (null).
 * Emits `conversation.assigned` with the agent (null when unassigned).
 */
export function assignConversation(
  ctx: Context,
  publicId: string,
  agentId: string | null,
): Promise<ConversationView> {
  let agent: AgentRow | null = null;
  return changeConversation(
    ctx,
    publicId,
    async (current, trx) => {
      if (agentId !== null) {
        if (!isPublicId(agentId)) throw new NotFound("Agent", agentId);
        agent =
          (await trx
            .selectFrom("agents")
            .selectAll()
            .where("account_id", "=", ctx.account.id)
            .where("public_id", "=", agentId)
            .executeTakeFirst()) ?? null;
        if (!agent) throw new NotFound("Agent", agentId);
      }
      const wanted = agent?.id ?? null;
      return current.assignee_id === wanted ? null : { assignee_id: wanted };
    },
    (row, trx) =>
      emitEvent(trx, sourceOf(ctx, row), "conversation.assigned", eventData(row, agent)),
  );
}

/** Resolves it (emits `conversation.resolved`); a resolved one stays as it is. */
export function resolveConversation(ctx: Context, publicId: string): Promise<ConversationView> {
  return changeConversation(
    ctx,
    publicId,
    async (current) =>
      current.status === "resolved"
        ? null
        : { status: "resolved", resolved_at: new Date(), snoozed_until: null },
    (row, trx) => emitEvent(trx, sourceOf(ctx, row), "conversation.resolved", eventData(row)),
  );
}

/**
 * Snoozes it until a future time, when a job opens it again (an inbound message opens it
 * sooner). Snoozing again moves the wake-up.
 */
export function snoozeConversation(
  ctx: Context,
  publicId: string,
  until: Date,
): Promise<ConversationView> {
  const now = Date.now();
  if (Number.isNaN(until.getTime()) || until.getTime() <= now)
    throw Validation.of(["until"], "must be a time in the future");
  if (until.getTime() > now + MAX_SNOOZE_MS)
    throw Validation.of(["until"], "may be at most a year from now");
  return changeConversation(
    ctx,
    publicId,
    async () => ({ status: "snoozed", snoozed_until: until, resolved_at: null }),
    async (row, trx) => {
      const payload: WakeConversationPayload = {
        accountId: ctx.account.id,
        conversationId: row.id,
      };
      await ctx.jobs.add(
        trx,
        WAKE_CONVERSATION_TASK,
        { ...payload },
        {
          runAt: until,
          jobKey: `${WAKE_CONVERSATION_TASK}:${row.id}`,
        },
      );
    },
  );
}

/** Opens it again, or sets it pending (waiting on the contact); the same status changes nothing. */
export function setConversationStatus(
  ctx: Context,
  publicId: string,
  status: "open" | "pending",
): Promise<ConversationView> {
  return changeConversation(ctx, publicId, async (current) =>
    current.status === status ? null : { status, snoozed_until: null, resolved_at: null },
  );
}
