import type { Context as HonoContext } from "hono";
import type { TagStatus } from "../../db/types.js";
import type { NumberedPage } from "../../domain/audience/catalog.js";
import { type ErrorDetail, invalid } from "./errors.js";

// The GET endpoints' query string: page (1-based), pageSize (default 10, the samples' `limit`),
// name, and the tag endpoint's status. A value that is not what the document allows is a 400
// naming it, rather than a silent default the client would not notice.

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 100;
const MAX_PAGE = 1_000_000;

function wholeNumber(
  raw: string | undefined,
  field: string,
  fallback: number,
  max: number,
  issues: ErrorDetail[],
): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const text = raw.trim();
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    issues.push({ field, message: `must be a whole number from 1 to ${max}` });
    return fallback;
  }
  return value;
}

export interface CatalogQuery {
  page: NumberedPage;
  name: string | null;
}

export function catalogQuery(c: HonoContext, extra: ErrorDetail[] = []): CatalogQuery {
  const issues = [...extra];
  const page = wholeNumber(c.req.query("page"), "page", 1, MAX_PAGE, issues);
  const size = wholeNumber(
    c.req.query("pageSize"),
    "pageSize",
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    issues,
  );
  if (issues.length > 0) {
    throw invalid(
      `Invalid query: ${issues.map((issue) => `${issue.field} ${issue.message}`).join("; ")}.`,
      issues,
    );
  }
  return { page: { page, size }, name: c.req.query("name")?.trim() || null };
}

/** 1 (the default) is active, 2 inactive. */
export function tagQuery(c: HonoContext): CatalogQuery & { status: TagStatus } {
  const raw = c.req.query("status")?.trim();
  const issues: ErrorDetail[] = [];
  if (raw && raw !== "1" && raw !== "2") {
    issues.push({ field: "status", message: "must be 1 (active) or 2 (inactive)" });
  }
  return { ...catalogQuery(c, issues), status: raw === "2" ? "inactive" : "active" };
}
