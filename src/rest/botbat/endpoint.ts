import type { MiddlewareHandler } from "hono";
import type { Scope } from "../../domain/accounts/scopes.js";
import type { AppDeps } from "../../http/deps.js";
import { JSON_BODY_LIMIT, UPLOAD_BODY_LIMIT } from "../../http/limits.js";
import { bodyLimitOf } from "../kit/body.js";
import { type BotbatEnv, botbatAuth } from "./auth.js";
import { botbatError } from "./errors.js";
import { idempotent } from "./idempotency.js";
import { type LimitName, rateLimited } from "./rate-limits.js";

// What every /v1 endpoint runs before its handler, in this order: the key's rate limit for the
// endpoint (429; a request without a live key is not counted), the key and its scope (401, 403),
// the body's size and type (413, 400), then, for a POST, its Idempotency-Key. A route lists these
// as its `middleware`. The limit comes first so that every answer to a live key, a 403 too,
// carries the X-RateLimit headers.

export interface EndpointRules {
  /** The product scope the key must hold (see README.md for botbat's names of each). */
  scope: Scope;
  /** The row of the rate-limit table this endpoint counts against. */
  limit: LimitName;
  /** What the body is: JSON (the default for POST and PUT), a CSV upload, or nothing. */
  body?: "json" | "multipart" | "none";
  /** POSTs are idempotent with an Idempotency-Key unless this says otherwise. */
  idempotent?: boolean;
}

function sizeLimit(maxSize: number): MiddlewareHandler<BotbatEnv> {
  return bodyLimitOf<BotbatEnv>(maxSize, (c, most) =>
    botbatError(c, 413, "payload_too_large", `the request body may be at most ${most}`),
  );
}

const JSON_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/** A body is JSON (or absent): the document asks for Content-Type: application/json. */
const jsonOnly: MiddlewareHandler<BotbatEnv> = async (c, next) => {
  const type = c.req.header("content-type") ?? "";
  const length = c.req.header("content-length");
  const hasBody = (length !== undefined && length !== "0") || c.req.header("transfer-encoding");
  if (hasBody && !JSON_TYPE.test(type))
    return botbatError(
      c,
      400,
      "invalid_request",
      "send the body as Content-Type: application/json",
    );
  await next();
};

const multipartOnly: MiddlewareHandler<BotbatEnv> = async (c, next) => {
  if (!(c.req.header("content-type") ?? "").toLowerCase().startsWith("multipart/form-data"))
    return botbatError(
      c,
      400,
      "invalid_request",
      "send the CSV as multipart/form-data with a part named file",
    );
  await next();
};

export function endpoint(deps: AppDeps, rules: EndpointRules): MiddlewareHandler<BotbatEnv>[] {
  const chain: MiddlewareHandler<BotbatEnv>[] = [
    rateLimited(deps, rules.limit),
    botbatAuth(deps, rules.scope),
  ];
  const body = rules.body ?? "json";
  if (body === "json") chain.push(sizeLimit(JSON_BODY_LIMIT), jsonOnly);
  if (body === "multipart") chain.push(sizeLimit(UPLOAD_BODY_LIMIT), multipartOnly);
  if (rules.idempotent !== false) chain.push(idempotent(deps));
  return chain;
}
