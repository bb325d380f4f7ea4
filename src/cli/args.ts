import { type ParseArgsConfig, parseArgs } from "node:util";
import { UsageError } from "./usage.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * `util.parseArgs` in strict mode, with its errors (unknown flag, missing value) and a wrong
 * number of positional arguments turned into usage errors.
 */
export function parseCommand<const O extends Options>(
  command: string,
  args: string[],
  options: O,
  positionals: readonly string[] = [],
) {
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${command}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (parsed.positionals.length !== positionals.length) {
    const expected = positionals.length === 0 ? "no arguments" : positionals.join(" ");
    throw new UsageError(
      parsed.positionals.length > positionals.length
        ? `${command}: unexpected argument "${parsed.positionals[positionals.length]}" (expected ${expected})`
        : `${command}: missing ${positionals.slice(parsed.positionals.length).join(" ")}`,
    );
  }
  return parsed;
}

/** The value of a flag the command cannot do without. */
export function required(command: string, flag: string, value: string | undefined): string {
  if (value === undefined || value.trim() === "")
    throw new UsageError(`${command}: --${flag} is required`);
  return value.trim();
}
