import { createAccount } from "../domain/accounts/accounts.js";
import { parseCommand, required } from "./args.js";
import type { Output } from "./output.js";
import type { Runtime } from "./runtime.js";

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

export async function accountsCreate(
  runtime: Runtime,
  input: ReturnType<typeof parseAccountsCreate>,
  out: Output,
): Promise<number> {
  const { account, secret } = await createAccount(runtime.db, {
    name: input.name,
    ownerEmail: input.email,
  });
  out.result(
    // `id` is the internal id (the one mailtrain's dialect shows); `sid` the public one.
    { account: { id: account.id, sid: account.sid, name: account.name }, apiKey: secret },
    () =>
      `Created account "${account.name}" (id ${account.id}, sid ${account.sid}).\nIts API key, with every scope, shown only this once:\n\n  ${secret}\n`,
  );
  return 0;
}
