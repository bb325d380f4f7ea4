import type { DB } from "../db/database.js";
import { type Authenticated, authenticate } from "../domain/accounts/keys.js";

export type RequestIdentity =
  | { kind: "anonymous" }
  | { kind: "invalid"; reason: string }
  | ({ kind: "key" } & Authenticated);

/** Reads `Authorization: Bearer <key>`; a header that is present but wrong is "invalid", never anonymous. */
export async function identify(
  db: DB,
  authorization: string | null | undefined,
): Promise<RequestIdentity> {
  if (!authorization?.trim()) return { kind: "anonymous" };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match) {
    return {
      kind: "invalid",
      reason: "The Authorization header must be `Bearer <key>` (a 40-character hex API key).",
    };
  }
  const found = await authenticate(db, match[1]);
  return found
    ? { kind: "key", ...found }
    : { kind: "invalid", reason: "The API key is unknown or revoked." };
}
