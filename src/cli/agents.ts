import type { AgentRow } from "../db/types.js";
import { findAccountBySid } from "../domain/accounts/accounts.js";
import { createAgent, pageAgents } from "../domain/agents/agents.js";
import { globalIdOf } from "../global-ids.js";
import type { Output } from "./output.js";
import type { AgentsAddInput, AgentsListInput } from "./parse.js";
import type { Runtime } from "./runtime.js";

// Agents from the terminal: add one, list them. Ids are GraphQL's global ids, as everywhere in
// the CLI; botbat's agent_id is the public id inside (shown as publicId).

export async function agentsAdd(
  runtime: Runtime,
  input: AgentsAddInput,
  out: Output,
): Promise<number> {
  const account = await findAccountBySid(runtime.db, input.account);
  const agent = await createAgent({ db: runtime.db, account }, input);
  out.result(
    { agent: agentJson(agent) },
    () =>
      `Added agent ${agent.name} <${agent.email}> (${globalIdOf("Agent", agent.public_id)}, agent_id ${agent.public_id}).`,
  );
  return 0;
}

/** Pages of this many are read until the end: an account has tens of agents, not millions. */
const PAGE = 500;

export async function agentsList(
  runtime: Runtime,
  input: AgentsListInput,
  out: Output,
): Promise<number> {
  const account = await findAccountBySid(runtime.db, input.account);
  const scope = { db: runtime.db, account };
  const agents: AgentRow[] = [];
  for (let afterId: string | undefined; ; ) {
    const page = await pageAgents(scope, { afterId, limit: PAGE, backward: false });
    agents.push(...page);
    if (page.length < PAGE) break;
    afterId = page.at(-1)?.id;
  }
  out.result({ agents: agents.map(agentJson) }, () => agentTable(agents));
  return 0;
}

function agentJson(agent: AgentRow) {
  return {
    id: globalIdOf("Agent", agent.public_id),
    publicId: agent.public_id,
    name: agent.name,
    email: agent.email,
    createdAt: agent.created_at.toISOString(),
  };
}

function agentTable(agents: AgentRow[]): string {
  if (agents.length === 0) return "No agents.";
  const rows = [
    ["ID", "AGENT_ID", "NAME", "EMAIL", "CREATED"],
    ...agents.map((agent) => [
      globalIdOf("Agent", agent.public_id),
      agent.public_id,
      agent.name,
      agent.email,
      agent.created_at.toISOString(),
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
