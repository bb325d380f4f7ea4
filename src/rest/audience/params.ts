import type { TagStatus } from "../../db/types.js";
import type { OffsetPage } from "../../domain/page.js";
import { type ErrorDetail, invalid } from "./errors.js";

// The GET endpoints' query string: page (1-based), pageSize (default 10, the samples' `limit`),
// name, and the tag endpoint's status. A value that is not what the document allows is a 400
// naming it, rather than a silent default the client would not notice.

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 100;
const MAX_PAGE = 1_000_000;

/** The query string's parameters by name (a name given twice is refused before: kit/url.ts). */
export type Query = Readonly<Record<string, string | undefined>>;

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
  /** `page` and `pageSize` as rows to skip and to take: `limit` is the envelope's `limit`. */
  page: OffsetPage;
  /** Part of the name, any case; null: no filter. */
  name: string | null;
}

/** page, pageSize and name; a 400 naming every bad one (and `extra`, the caller's own). */
export function catalogQuery(query: Query, extra: ErrorDetail[] = []): CatalogQuery {
  const issues = [...extra];
  const page = wholeNumber(query.page, "page", 1, MAX_PAGE, issues);
  const size = wholeNumber(query.pageSize, "pageSize", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, issues);
  if (issues.length > 0) {
    throw invalid(
      `Invalid query: ${issues.map((issue) => `${issue.field} ${issue.message}`).join("; ")}.`,
      issues,
    );
  }
  return { page: { offset: (page - 1) * size, limit: size }, name: query.name?.trim() || null };
}

/** The catalog's parameters and the tag status: 1 (the default) is active, 2 inactive. */
export function tagQuery(query: Query): CatalogQuery & { status: TagStatus } {
  const raw = query.status?.trim();
  const issues: ErrorDetail[] = [];
  if (raw && raw !== "1" && raw !== "2") {
    issues.push({ field: "status", message: "must be 1 (active) or 2 (inactive)" });
  }
  return { ...catalogQuery(query, issues), status: raw === "2" ? "inactive" : "active" };
}
