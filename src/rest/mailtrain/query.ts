import type { Context as HonoContext } from "hono";
import { MailtrainError } from "./errors.js";

// `start` and `limit` of the listing endpoints: Mailtrain's defaults are 0 and 10000, and a
// limit of 0 means no limit at all.

export const DEFAULT_LIMIT = 10_000;

function count(c: HonoContext, name: string, fallback: number): number {
  const raw = c.req.query(name)?.trim() ?? "";
  if (raw === "") return fallback;
  if (!/^\d{1,15}$/.test(raw))
    throw new MailtrainError(400, `${name} must be a whole number of 0 or more`);
  return Number(raw);
}

export interface Window {
  start: number;
  /** As asked (0 for no limit), to echo back. */
  limit: number;
  /** For the query: null for no limit. */
  rows: number | null;
}

export function windowOf(c: HonoContext): Window {
  const start = count(c, "start", 0);
  const limit = count(c, "limit", DEFAULT_LIMIT);
  return { start, limit, rows: limit === 0 ? null : limit };
}
