import { accountsCreate, parseAccountsCreate } from "./cli/accounts.js";
import { checkImportFile, importFile, parseImport } from "./cli/import.js";
import {
  keysCreate,
  keysList,
  keysRevoke,
  parseKeysCreate,
  parseKeysList,
  parseKeysRevoke,
} from "./cli/keys.js";
import { type Output, outputFor } from "./cli/output.js";
import { openRuntime, type Runtime } from "./cli/runtime.js";
import { USAGE, UsageError } from "./cli/usage.js";
import { ConfigError } from "./config.js";
import { DomainError, Validation } from "./domain/errors.js";

// `contact-gateway …` (bin/contact-gateway.js runs this file through tsx). The command line is
// parsed and checked before the database is opened: a usage error costs nothing and exits 2.

type Command = {
  json: boolean;
  before?: () => Promise<void>;
  run: (runtime: Runtime, out: Output) => Promise<number>;
};

function commandOf(argv: string[]): Command | "help" {
  const [first, second, ...rest] = argv;
  if (first === undefined) throw new UsageError("a command is required");
  if (first === "help" || first === "--help" || first === "-h") return "help";
  if (first === "accounts" && second === "create") {
    const input = parseAccountsCreate(rest);
    return { json: input.json, run: (runtime, out) => accountsCreate(runtime, input, out) };
  }
  if (first === "keys" && second === "create") {
    const input = parseKeysCreate(rest);
    return { json: input.json, run: (runtime, out) => keysCreate(runtime, input, out) };
  }
  if (first === "keys" && second === "list") {
    const input = parseKeysList(rest);
    return { json: input.json, run: (runtime, out) => keysList(runtime, input, out) };
  }
  if (first === "keys" && second === "revoke") {
    const input = parseKeysRevoke(rest);
    return { json: input.json, run: (runtime, out) => keysRevoke(runtime, input, out) };
  }
  if (first === "import") {
    const input = parseImport(argv.slice(1));
    return {
      json: input.json,
      before: () => checkImportFile(input.file),
      run: (runtime, out) => importFile(runtime, input, out),
    };
  }
  if (first === "accounts" || first === "keys") {
    throw new UsageError(
      second === undefined
        ? `${first}: a subcommand is required`
        : `${first}: unknown subcommand "${second}"`,
    );
  }
  throw new UsageError(`unknown command "${first}"`);
}

async function main(argv: string[]): Promise<number> {
  let command: Command | "help";
  try {
    command = commandOf(argv);
  } catch (error) {
    return failed(error);
  }
  if (command === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  let runtime: Runtime | null = null;
  try {
    await command.before?.();
    runtime = await openRuntime();
    return await command.run(runtime, outputFor(command.json));
  } catch (error) {
    return failed(error);
  } finally {
    await runtime?.close().catch(() => {});
  }
}

/** One line on stderr; 2 for what the user typed, 1 for everything else. */
function failed(error: unknown): number {
  if (error instanceof UsageError || error instanceof Validation) {
    process.stderr.write(
      `contact-gateway: ${error.message}\nRun "contact-gateway --help" for usage.\n`,
    );
    return 2;
  }
  const message =
    error instanceof DomainError || error instanceof ConfigError || error instanceof Error
      ? error.message
      : String(error);
  process.stderr.write(`contact-gateway: ${message}\n`);
  return 1;
}

process.exit(await main(process.argv.slice(2)));
