import type { AgentRow } from "../../db/types.js";
import { MAX_EMAIL, MAX_SHORT_TEXT, shown, tooLong } from "../bounds.js";
import type { Context } from "../context.js";
import { isEmail, normalizeEmail } from "../email.js";
import { Conflict, type Issue, NotFound, Validation, violatedUniqueIndex } from "../errors.js";
import { inRequestedOrder } from "../order.js";
import { applyPage, type Page } from "../page.js";
import { publishChanges } from "../realtime/publish.js";
import { describeProblem, textProblem } from "../text.js";

// The people of an account who answer conversations. An agent is named by its email, once per
// account in any case; removing one leaves its conversations unassigned (and says so to
// subscribers of conversation changes), never deleted.

/** What agent functions need: the CLI calls them with no key and no job queue. */
export type AgentScope = Pick<Context, "db" | "account">;

export interface AgentInput {
  name?: string | null;
  email?: string | null;
}

function checkAgent(input: AgentInput): { issues: Issue[]; name: string; email: string } {
  const issues: Issue[] = [];
  const name = input.name?.trim() ?? "";
  const email = normalizeEmail(input.email ?? "");
  const bad = (path: string, message: string) => issues.push({ path: [path], message });
  if (name === "") bad("name", "is required");
  else if (name.length > MAX_SHORT_TEXT) bad("name", tooLong(MAX_SHORT_TEXT));
  else {
    const problem = textProblem(name);
    if (problem) bad("name", describeProblem(problem));
  }
  if (email === "") bad("email", "is required");
  else if (email.length > MAX_EMAIL) bad("email", tooLong(MAX_EMAIL));
  else if (textProblem(email)) bad("email", describeProblem(textProblem(email) ?? "nul"));
  else if (!isEmail(email)) bad("email", `${shown(email)} is not an email address`);
  return { issues, name, email };
}

export async function createAgent(ctx: AgentScope, input: AgentInput): Promise<AgentRow> {
  const { issues, name, email } = checkAgent(input);
  if (issues.length > 0) throw new Validation(issues);
  try {
    return await ctx.db
      .insertInto("agents")
      .values({ account_id: ctx.account.id, name, email })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (error) {
    if (violatedUniqueIndex(error) === "agents_email")
      throw new Conflict(`an agent of this account already has the email ${shown(email)}`);
    throw error;
  }
}

/** Removes the agent; the conversations it had are left unassigned. */
export async function deleteAgent(ctx: AgentScope, publicId: string): Promise<AgentRow> {
  return ctx.db.transaction().execute(async (trx) => {
    // Unassigned here rather than by the foreign key, so that each one's change is announced.
    const released = await trx
      .updateTable("conversations")
      .set({ assignee_id: null, updated_at: new Date() })
      .where("account_id", "=", ctx.account.id)
      .where("assignee_id", "=", (eb) =>
        eb
          .selectFrom("agents")
          .select("id")
          .where("account_id", "=", ctx.account.id)
          .where("public_id", "=", publicId),
      )
      .returning("public_id")
      .execute();
    const agent = await trx
      .deleteFrom("agents")
      .where("account_id", "=", ctx.account.id)
      .where("public_id", "=", publicId)
      .returningAll()
      .executeTakeFirst();
    if (!agent) throw new NotFound("Agent", publicId);
    await publishChanges(
      trx,
      released.map((row) => ({
        accountId: ctx.account.id,
        topic: "conversation" as const,
        id: row.public_id,
      })),
    );
    return agent;
  });
}

export async function getAgent(ctx: AgentScope, publicId: string): Promise<AgentRow> {
  const [agent] = await getAgents(ctx, [publicId]);
  if (!agent) throw new NotFound("Agent", publicId);
  return agent;
}

/** Agents by public id, in the order asked (null where none). */
export async function getAgents(
  ctx: AgentScope,
  publicIds: readonly string[],
): Promise<(AgentRow | null)[]> {
  if (publicIds.length === 0) return [];
  const rows = await ctx.db
    .selectFrom("agents")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "in", publicIds)
    .execute();
  return inRequestedOrder(publicIds, rows, (row) => row.public_id);
}

/** Agents by internal id (a page of conversations' assignees), in the order asked. */
export async function agentsByInternalId(
  ctx: AgentScope,
  ids: readonly string[],
): Promise<(AgentRow | null)[]> {
  if (ids.length === 0) return [];
  const rows = await ctx.db
    .selectFrom("agents")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("id", "in", ids)
    .execute();
  return inRequestedOrder(ids, rows, (row) => row.id);
}

/** The account's agents, oldest first, by keyset. */
export function pageAgents(ctx: AgentScope, page: Page): Promise<AgentRow[]> {
  const query = ctx.db.selectFrom("agents").selectAll().where("account_id", "=", ctx.account.id);
  return applyPage(query, "id", page).execute();
}

export async function countAgents(ctx: AgentScope): Promise<number> {
  const { count } = await ctx.db
    .selectFrom("agents")
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .where("account_id", "=", ctx.account.id)
    .executeTakeFirstOrThrow();
  return Number(count);
}
