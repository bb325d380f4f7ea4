import type { MiddlewareHandler } from "hono";
import type { AppDeps } from "../../http/deps.js";
import { IDEMPOTENCY_HEADER, idempotency } from "../kit/idempotency.js";
import type { BotbatEnv } from "./auth.js";
import { botbatError } from "./errors.js";

// `Idempotency-Key` on every POST (the kit's; README.md says what a retry gets), refused in
// botbat's envelope: 400 invalid_request for a malformed key, 422 validation_error on the
// header for a key reused with another request, 409 conflict while its first request runs.

export function idempotent(_deps: AppDeps): MiddlewareHandler<BotbatEnv> {
  return idempotency<BotbatEnv>({
    contextOf: (c) => c.get("domain"),
    refuse: {
      badKey: (c, message) => botbatError(c, 400, "invalid_request", message),
      reused: (c, message) =>
        botbatError(c, 422, "validation_error", `${IDEMPOTENCY_HEADER}: ${message}`, {
          details: [{ field: IDEMPOTENCY_HEADER, message }],
        }),
      running: (c, message) => botbatError(c, 409, "conflict", message),
    },
  });
}
