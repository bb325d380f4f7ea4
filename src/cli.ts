import { failure } from "./cli/errors.js";
import type { Output } from "./cli/output.js";
import { type Command, commandOf } from "./cli/parse.js";
import type { Runtime } from "./cli/runtime.js";
import { USAGE } from "./cli/usage.js";

// `contact-gateway …` (bin/contact-gateway.js runs this file compiled, from dist/). The command
// line is parsed and checked first; the database and the modules that need it load only
// afterwards, so a usage error (or --help) costs nothing and exits 2 (0).

type Runnable = Exclude<Command, { name: "help" }>;

async function run(command: Runnable, runtime: Runtime, out: Output): Promise<number> {
  switch (command.name) {
    case "accounts create":
      return (await import("./cli/accounts.js")).accountsCreate(runtime, command.input, out);
    case "accounts update":
      return (await import("./cli/accounts.js")).accountsUpdate(runtime, command.input, out);
    case "keys create":
      return (await import("./cli/keys.js")).keysCreate(runtime, command.input, out);
    case "keys list":
      return (await import("./cli/keys.js")).keysList(runtime, command.input, out);
    case "keys revoke":
      return (await import("./cli/keys.js")).keysRevoke(runtime, command.input, out);
    case "import":
      return (await import("./cli/import.js")).importFile(runtime, command.input, out);
    case "agents add":
      return (await import("./cli/agents.js")).agentsAdd(runtime, command.input, out);
    case "agents list":
      return (await import("./cli/agents.js")).agentsList(runtime, command.input, out);
  }
}

async function main(argv: string[]): Promise<number> {
  let command: Command;
  try {
    command = commandOf(argv);
  } catch (error) {
    return failed(error);
  }
  if (command.name === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  let runtime: Runtime | null = null;
  try {
    if (command.name === "import")
      await (await import("./cli/import.js")).checkImportFile(command.input.file);
    const { openRuntime } = await import("./cli/runtime.js");
    const { outputFor } = await import("./cli/output.js");
    runtime = await openRuntime();
    return await run(command, runtime, outputFor(command.input.json));
  } catch (error) {
    return failed(error);
  } finally {
    await runtime?.close().catch(() => {});
  }
}

function failed(error: unknown): number {
  const { code, line } = failure(error);
  process.stderr.write(line);
  return code;
}

process.exit(await main(process.argv.slice(2)));
