import type { ApiKeyRow } from "../db/types.js";
import { findAccountBySid } from "../domain/accounts/accounts.js";
import { issueKey, listKeys, revokeKey } from "../domain/accounts/keys.js";
import { NotFound } from "../domain/errors.js";
import { decodeGlobalIdOf, globalIdOf } from "../global-ids.js";
import type { Output } from "./output.js";
import type { KeysCreateInput, KeysListInput, KeysRevokeInput } from "./parse.js";
import type { Runtime } from "./runtime.js";

export async function keysCreate(
  runtime: Runtime,
  input: KeysCreateInput,
  out: Output,
): Promise<number> {
  const account = await findAccountBySid(runtime.db, input.account);
  const { key, secret } = await issueKey(runtime.db, account.id, {
    scopes: input.scopes,
    label: input.label,
    sandbox: input.sandbox,
  });
  out.result(
    // The same key object as `keys list` and `keys revoke` print, and its secret, this once.
    { key: keyJson(key), apiKey: secret },
    () =>
      `Issued ${key.sandbox ? "sandbox " : ""}key ${globalIdOf("ApiKey", key.public_id)}${key.label ? ` (label ${key.label})` : ""} with scopes ${key.scopes.join(", ")}.\nThe key, shown only this once:\n\n  ${secret}\n`,
  );
  return 0;
}

export async function keysList(
  runtime: Runtime,
  input: KeysListInput,
  out: Output,
): Promise<number> {
  const account = await findAccountBySid(runtime.db, input.account);
  const keys = await listKeys(runtime.db, account.id);
  out.result({ keys: keys.map(keyJson) }, () => keyTable(keys));
  return 0;
}

export async function keysRevoke(
  runtime: Runtime,
  input: KeysRevokeInput,
  out: Output,
): Promise<number> {
  const account = await findAccountBySid(runtime.db, input.account);
  // The id as `keys list` and GraphQL show it, or the bare public id inside it.
  const publicId = decodeGlobalIdOf(input.id, "ApiKey") ?? input.id.toLowerCase();
  const key = await revokeKey(runtime.db, account.id, publicId).catch((error: unknown) => {
    throw error instanceof NotFound ? new NotFound("ApiKey", input.id) : error;
  });
  out.result({ key: keyJson(key) }, () => `Revoked key ${globalIdOf("ApiKey", key.public_id)}.`);
  return 0;
}

/** What a key shows once issued: never its secret, which is not stored. Ids are GraphQL's. */
function keyJson(key: ApiKeyRow) {
  return {
    id: globalIdOf("ApiKey", key.public_id),
    label: key.label,
    scopes: key.scopes,
    sandbox: key.sandbox,
    createdAt: key.created_at.toISOString(),
    lastUsedAt: key.last_used_at?.toISOString() ?? null,
    revokedAt: key.revoked_at?.toISOString() ?? null,
  };
}

function keyTable(keys: ApiKeyRow[]): string {
  if (keys.length === 0) return "No keys.";
  const rows = [
    ["ID", "LABEL", "SANDBOX", "CREATED", "LAST USED", "REVOKED", "SCOPES"],
    ...keys.map((key) => [
      globalIdOf("ApiKey", key.public_id),
      key.label ?? "-",
      key.sandbox ? "yes" : "no",
      key.created_at.toISOString(),
      key.last_used_at?.toISOString() ?? "-",
      key.revoked_at?.toISOString() ?? "-",
      key.scopes.join(","),
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
