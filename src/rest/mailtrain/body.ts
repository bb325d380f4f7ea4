import type { Context as HonoContext, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { describeProblem, findUnstorable } from "../../domain/text.js";
import { bodyText } from "../kit/body.js";
import { readPairs } from "../kit/pairs.js";
import type { MailtrainEnv } from "./auth.js";
import { envelope, MailtrainError } from "./errors.js";

// Mailtrain bodies: form-urlencoded (extended) or JSON; anything else (multipart included) is
// read as no body. Keys are trimmed and upper-cased, values turned to strings and trimmed.
// A value that is a list or an object (`EMAIL[]=…`, a repeated key, a JSON array) is refused,
// and so is text that cannot be stored (a NUL, bytes that are not UTF-8), before anything is read.

export const BODY_LIMIT = 2 * 1024 * 1024;

export type MailtrainInput = Record<string, string>;

export function mailtrainBodyLimit(): MiddlewareHandler<MailtrainEnv> {
  return bodyLimit({
    maxSize: BODY_LIMIT,
    // The rest of the body is never read: the connection cannot carry another request.
    onError: (c) => {
      c.header("Connection", "close");
      return envelope(c, 413, "Request body may be at most 2 MB");
    },
  });
}

const NOT_TEXT = "expected a string, a number or a boolean";

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()], { error: NOT_TEXT });
const bodySchema = z.record(z.string(), scalar, { error: "The body must be a JSON object" });

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value !== null && typeof value === "object") return "an object";
  return typeof value;
}

/** Form fields the way qs (extended) sees them: a bracketed or repeated key is not text. */
function parseForm(text: string): Record<string, unknown> {
  const { pairs, problems } = readPairs(text);
  const [problem] = problems;
  if (problem) throw new MailtrainError(400, `${keyName(problem.field)} ${problem.message}`);
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of pairs) {
    const bracket = rawKey.indexOf("[");
    const key = bracket > 0 ? rawKey.slice(0, bracket) : rawKey;
    if (bracket > 0) out[key] = [value];
    else if (Object.hasOwn(out, key)) out[key] = [out[key], value];
    else out[key] = value;
  }
  return out;
}

const keyName = (key: string) => key.trim().toUpperCase();

async function strictText(c: HonoContext): Promise<string> {
  const text = await bodyText(c);
  if (text === null) throw new MailtrainError(400, "The body is not valid UTF-8");
  return text;
}

async function rawBody(c: HonoContext): Promise<unknown> {
  const type = c.req.header("content-type")?.toLowerCase() ?? "";
  if (type.startsWith("application/x-www-form-urlencoded")) return parseForm(await strictText(c));
  if (!/^application\/([\w.+-]+\+)?json/.test(type)) return {};
  const text = await strictText(c);
  if (text.trim() === "") return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new MailtrainError(400, "The body is not valid JSON");
  }
  const [found] = findUnstorable(body, 1);
  if (found) {
    const [key] = found.path;
    const name = key === undefined ? "The body" : keyName(String(key));
    throw new MailtrainError(400, `${name} ${describeProblem(found.problem)}`);
  }
  return body;
}

/** The request's fields, normalized; a MailtrainError (400) for a body Mailtrain cannot use. */
export async function readInput(c: HonoContext): Promise<MailtrainInput> {
  const body = await rawBody(c);
  const parsed = bodySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue?.path[0];
    if (key === undefined) throw new MailtrainError(400, "The body must be a JSON object");
    const value = (body as Record<string, unknown>)[String(key)];
    throw new MailtrainError(400, `${keyName(String(key))} must be text, not ${kindOf(value)}`);
  }
  const input: MailtrainInput = {};
  for (const [key, value] of Object.entries(parsed.data)) {
    input[key.trim().toUpperCase()] = value === null ? "" : String(value).trim();
  }
  return input;
}
