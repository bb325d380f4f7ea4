import type { Context as HonoContext } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type Issue, unmapped } from "../../domain/errors.js";
import type { ErrorMapper } from "../kit/errors.js";

// Mailtrain's envelope: `{"error": "<message>", "data": []}`, for every refusal (4xx) and for the
// unexpected (500).

/** A refusal of this dialect (its parsing, its arguments): the status and the message. */
export class MailtrainError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
  ) {
    super(message);
  }
}

export function envelope(
  c: HonoContext,
  status: ContentfulStatusCode,
  message: string,
  headers?: Record<string, string>,
) {
  return c.json({ error: message, data: [] }, status, headers);
}

type Wording = (message: string) => string;

/** `FIRST_NAME may be at most 255 characters`. */
const named =
  (name: string): Wording =>
  (message) =>
    `${name} ${message}`;
/** `DEFAULT: "many" is not a number`. */
const valued =
  (name: string): Wording =>
  (message) =>
    `${name}: ${message}`;

const NOT_AN_ADDRESS = " is not an email address";
/** An address that is none reads `Invalid email address "x".`; other problems by `other`. */
const address =
  (other: Wording): Wording =>
  (message) =>
    message.endsWith(NOT_AN_ADDRESS)
      ? `Invalid email address ${message.slice(0, -NOT_AN_ADDRESS.length)}.`
      : other(message);

/**
 * The one table of Mailtrain's names for the domain's fields (an issue's path), and how a message
 * about each reads. A custom value (["customValues", <merge tag>]) is named by its merge tag.
 */
const WORDING: Readonly<Record<string, Wording>> = {
  email: address(named("EMAIL")),
  // Mailtrain's word for the blocklist is "blacklist".
  newEmail: address((message) => `New email ${message.replace("blocklist", "blacklist")}`),
  firstName: named("FIRST_NAME"),
  lastName: named("LAST_NAME"),
  timezone: named("TIMEZONE"),
  name: named("NAME"),
  description: named("DESCRIPTION"),
  groupTemplate: named("GROUP_TEMPLATE"),
  default: valued("DEFAULT"),
  group: named("Group"),
};

/** One domain issue in Mailtrain's words. */
export function issueText(issue: Issue): string {
  const [head, tag] = issue.path;
  if (head === "customValues" && tag !== undefined) return valued(tag)(issue.message);
  const wording = head === undefined ? undefined : WORDING[head];
  if (wording && issue.path.length === 1) return wording(issue.message);
  return issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`;
}

/** Every problem at once, in one message. */
export function issuesText(issues: readonly Issue[]): string {
  return issues.map(issueText).join("; ");
}

/** Every error of the dialect, as Mailtrain answers it. */
export const mailtrainErrors: ErrorMapper = {
  dialect: "mailtrain",
  refusal: (c, error) =>
    error instanceof MailtrainError ? envelope(c, error.status, error.message) : null,
  domain(c, error) {
    switch (error.code) {
      case "VALIDATION":
        return envelope(c, 400, issuesText(error.issues));
      case "NOT_FOUND":
        return envelope(c, 404, error.message);
      case "CONFLICT":
        return envelope(c, 409, error.message);
      case "FORBIDDEN":
        return envelope(c, 403, error.message);
      case "RATE_LIMITED":
        return envelope(c, 429, error.message, {
          "Retry-After": String(error.retryAfterSeconds),
        });
      default:
        return unmapped(error);
    }
  },
  internal: (c, requestId) =>
    envelope(c, 500, requestId ? `Internal error (request ${requestId})` : "Internal error"),
};
