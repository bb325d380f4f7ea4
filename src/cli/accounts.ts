import { createAccount, findAccountBySid, updateAccount } from "../domain/accounts/accounts.js";
import type { Output } from "./output.js";
import type { AccountsCreateInput, AccountsUpdateInput } from "./parse.js";
import type { Runtime } from "./runtime.js";

export async function accountsCreate(
  runtime: Runtime,
  input: AccountsCreateInput,
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

export async function accountsUpdate(
  runtime: Runtime,
  input: AccountsUpdateInput,
  out: Output,
): Promise<number> {
  const found = await findAccountBySid(runtime.db, input.account);
  const account = await updateAccount(
    runtime.db,
    found.id,
    { name: input.name, ownerEmail: input.email },
    { name: ["--name"], ownerEmail: ["--email"] },
  );
  out.result(
    {
      account: {
        id: account.id,
        sid: account.sid,
        name: account.name,
        ownerEmail: account.owner_email,
      },
    },
    () =>
      `Updated account "${account.name}" (sid ${account.sid}): owner email ${account.owner_email ?? "(none)"}.`,
  );
  return 0;
}
