import { parseScopes } from "../domain/accounts/keys.js";
import { parseCommand, required } from "./args.js";
import { UsageError } from "./usage.js";

// Every command line is parsed and checked here, before any database work: this module loads
// only what parsing needs, so a usage error answers at once.

export function parseAccountsCreate(args: string[]) {
  const { values } = parseCommand("accounts create", args, {
    name: { type: "string" },
    email: { type: "string" },
    json: { type: "boolean" },
  });
  return {
    name: required("accounts create", "name", values.name),
    email: values.email,
    json: values.json ?? false,
  };
}

export function parseAccountsUpdate(args: string[]) {
  const { values } = parseCommand("accounts update", args, {
    account: { type: "string" },
    name: { type: "string" },
    email: { type: "string" },
    json: { type: "boolean" },
  });
  if (values.name === undefined && values.email === undefined)
    throw new UsageError("accounts update: give --name, --email or both");
  return {
    account: required("accounts update", "account", values.account),
    name: values.name,
    // --email "" clears the owner email.
    email: values.email,
    json: values.json ?? false,
  };
}

export function parseKeysCreate(args: string[]) {
  const { values } = parseCommand("keys create", args, {
    account: { type: "string" },
    scopes: { type: "string" },
    label: { type: "string" },
    sandbox: { type: "boolean" },
    json: { type: "boolean" },
  });
  const scopes = values.scopes
    ?.split(",")
    .map((scope) => scope.trim())
    .filter((scope) => scope !== "");
  // Checked before any database work: a bad scope is a usage error.
  parseScopes(scopes);
  return {
    account: required("keys create", "account", values.account),
    scopes,
    label: values.label,
    sandbox: values.sandbox ?? false,
    json: values.json ?? false,
  };
}

export function parseKeysList(args: string[]) {
  const { values } = parseCommand("keys list", args, {
    account: { type: "string" },
    json: { type: "boolean" },
  });
  return { account: required("keys list", "account", values.account), json: values.json ?? false };
}

export function parseKeysRevoke(args: string[]) {
  const { values, positionals } = parseCommand(
    "keys revoke",
    args,
    { account: { type: "string" }, json: { type: "boolean" } },
    ["KEY_ID"],
  );
  return {
    account: required("keys revoke", "account", values.account),
    // As typed: a global id is case-sensitive (base64).
    id: positionals[0].trim(),
    json: values.json ?? false,
  };
}

export function parseImport(args: string[]) {
  const { values, positionals } = parseCommand(
    "import",
    args,
    {
      account: { type: "string" },
      list: { type: "string" },
      "keep-existing": { type: "boolean" },
      json: { type: "boolean" },
    },
    ["FILE"],
  );
  const list = values.list?.trim();
  return {
    file: positionals[0],
    account: required("import", "account", values.account),
    list: list || undefined,
    updateExisting: !values["keep-existing"],
    json: values.json ?? false,
  };
}

export function parseAgentsAdd(args: string[]) {
  const { values } = parseCommand("agents add", args, {
    account: { type: "string" },
    name: { type: "string" },
    email: { type: "string" },
    json: { type: "boolean" },
  });
  return {
    account: required("agents add", "account", values.account),
    name: required("agents add", "name", values.name),
    email: required("agents add", "email", values.email),
    json: values.json ?? false,
  };
}

export function parseAgentsList(args: string[]) {
  const { values } = parseCommand("agents list", args, {
    account: { type: "string" },
    json: { type: "boolean" },
  });
  return {
    account: required("agents list", "account", values.account),
    json: values.json ?? false,
  };
}

export type AccountsCreateInput = ReturnType<typeof parseAccountsCreate>;
export type AccountsUpdateInput = ReturnType<typeof parseAccountsUpdate>;
export type KeysCreateInput = ReturnType<typeof parseKeysCreate>;
export type KeysListInput = ReturnType<typeof parseKeysList>;
export type KeysRevokeInput = ReturnType<typeof parseKeysRevoke>;
export type ImportInput = ReturnType<typeof parseImport>;
export type AgentsAddInput = ReturnType<typeof parseAgentsAdd>;
export type AgentsListInput = ReturnType<typeof parseAgentsList>;

export type Command =
  | { name: "help" }
  | { name: "accounts create"; input: AccountsCreateInput }
  | { name: "accounts update"; input: AccountsUpdateInput }
  | { name: "keys create"; input: KeysCreateInput }
  | { name: "keys list"; input: KeysListInput }
  | { name: "keys revoke"; input: KeysRevokeInput }
  | { name: "import"; input: ImportInput }
  | { name: "agents add"; input: AgentsAddInput }
  | { name: "agents list"; input: AgentsListInput };

export function commandOf(argv: string[]): Command {
  const [first, second, ...rest] = argv;
  if (first === undefined) throw new UsageError("a command is required");
  if (first === "help" || first === "--help" || first === "-h") return { name: "help" };
  if (first === "import") return { name: "import", input: parseImport(argv.slice(1)) };
  if (first === "accounts" && second === "create") {
    return { name: "accounts create", input: parseAccountsCreate(rest) };
  }
  if (first === "accounts" && second === "update") {
    return { name: "accounts update", input: parseAccountsUpdate(rest) };
  }
  if (first === "keys" && second === "create") {
    return { name: "keys create", input: parseKeysCreate(rest) };
  }
  if (first === "keys" && second === "list")
    return { name: "keys list", input: parseKeysList(rest) };
  if (first === "keys" && second === "revoke") {
    return { name: "keys revoke", input: parseKeysRevoke(rest) };
  }
  if (first === "agents" && second === "add")
    return { name: "agents add", input: parseAgentsAdd(rest) };
  if (first === "agents" && second === "list")
    return { name: "agents list", input: parseAgentsList(rest) };
  if (first === "accounts" || first === "keys" || first === "agents") {
    throw new UsageError(
      second === undefined
        ? `${first}: a subcommand is required`
        : `${first}: unknown subcommand "${second}"`,
    );
  }
  throw new UsageError(`unknown command "${first}"`);
}
