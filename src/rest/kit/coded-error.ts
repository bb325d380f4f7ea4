import type { Context as HonoContext } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { InputProblem } from "./pairs.js";

// `{"error":{"code","message","details"?}}`: the envelope botamp (by our choice) and botbat (by
// its document) answer errors in. Each dialect names its own codes and words its messages.

export interface CodedErrorOptions {
  /** One entry per bad field. */
  details?: InputProblem[];
  headers?: Record<string, string>;
}

export interface CodedErrorBody<Code extends string = string> {
  error: { code: Code; message: string; details?: InputProblem[] };
}

export function codedError<Code extends string>(
  c: HonoContext,
  status: ContentfulStatusCode,
  code: Code,
  message: string,
  options: CodedErrorOptions = {},
): Response {
  const body: CodedErrorBody<Code> = { error: { code, message } };
  if (options.details && options.details.length > 0) body.error.details = options.details;
  return c.json(body, status, options.headers);
}

/** A dialect's own refusal, thrown by its parsing and answered by its mapper. */
export class CodedRefusal<Code extends string = string> extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: Code,
    message: string,
    readonly options: CodedErrorOptions = {},
  ) {
    super(message);
  }
}
