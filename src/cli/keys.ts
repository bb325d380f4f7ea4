import type { ApiKeyRow } from "../db/types.js";
import { findAccountBySid } from "../domain/accounts/accounts.js";
import { issueKey, listKeys, parseScopes, revokeKey } from "../domain/accounts/keys.js";
import { parseCommand, required } from "./args.js";
import type { Output } from "./output.js";
import type { Runtime } from "./runtime.js";

export function parseKeysCreate(args: string[]) {
  const { values } = parseCommand("keys create", args, {
    account: { type: "string" },
    scopes: { type: "string" },
    label: { type: "string" },
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
    json: values.json ?? false,
  };
}

export async function keysCreate(
  runtime: Runtime,
  input: ReturnType<typeof parseKeysCreate>,
  out: Output,
): Promise<number> {
  const account = await findAccountBySid(runtime.db, input.account);
  const { key, secret } = await issueKey(runtime.db, account.id, {
    scopes: input.scopes,
    label: input.label,
  });
  out.result(
    { apiKey: secret, scopes: key.scopes },
    () =>
      `Issued key ${key.public_id}${key.label ? ` (label ${key.label})` : ""} with scopes ${key.scopes.join(", ")}.\nThe key, shown only this once:\n\n  ${secret}\n`,
  );
  return 0;
}

export function parseKeysList(args: string[]) {
  const { values } = parseCommand("keys list", args, {
    account: { type: "string" },
    json: { type: "boolean" },
  });
  return { account: required("keys list", "account", values.account), json: values.json ?? false };
}

export async function keysList(
  runtime: Runtime,
  input: ReturnType<typeof parseKeysList>,
  out: Output,
): Promise<number> {
  const account = await findAccountBySid(runtime.db, input.account);
  const keys = await listKeys(runtime.db, account.id);
  out.result({ keys: keys.map(keyJson) }, () => keyTable(keys));
  return 0;
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
    id: positionals[0].trim().toLowerCase(),
    json: values.json ?? false,
  };
}

export async function keysRevoke(
  runtime: Runtime,
  input: ReturnType<typeof parseKeysRevoke>,
  out: Output,
): Promise<number> {
  const account = await findAccountBySid(runtime.db, input.account);
  const key = await revokeKey(runtime.db, account.id, input.id);
  out.result({ key: keyJson(key) }, () => `Revoked key ${key.public_id}.`);
  return 0;
}

/** What a key shows once issued: never its secret, which is not stored. */
function keyJson(key: ApiKeyRow) {
  return {
    id: key.public_id,
    label: key.label,
    scopes: key.scopes,
    createdAt: key.created_at.toISOString(),
    lastUsedAt: key.last_used_at?.toISOString() ?? null,
    revokedAt: key.revoked_at?.toISOString() ?? null,
  };
}

function keyTable(keys: ApiKeyRow[]): string {
  if (keys.length === 0) return "No keys.";
  const rows = [
    ["ID", "LABEL", "CREATED", "LAST USED", "REVOKED", "SCOPES"],
    ...keys.map((key) => [
      key.public_id,
      key.label ?? "-",
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
