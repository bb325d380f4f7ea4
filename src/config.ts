import { z } from "zod";
import { isEmail } from "./domain/email.js";
import { LIMIT_NAMES, type LimitOverrides } from "./rest/botbat/rate-limits.js";
import { parseLimitTable } from "./rest/kit/rate-limit.js";

/** A TCP port given as digits; `min` 0 lets the system pick one. */
function port(min: number, fallback: number) {
  const message = `must be a port number from ${min} to 65535`;
  return z
    .string()
    .regex(/^\d{1,5}$/, message)
    .transform(Number)
    .refine((value) => value >= min && value <= 65535, message)
    .default(fallback);
}

const schema = z.object({
  PORT: port(0, 4000),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  DATA_DIR: z.string().min(1).default("./.data"),
  EMBEDDED_PG_PORT: port(1, 54329),
  PUBLIC_URL: z
    .url({
      protocol: /^https?$/,
      error: "must be an http(s) URL, e.g. https://contacts.example.com",
    })
    .optional(),
  MAIL_FROM: z.string().min(3).default("contact-gateway <no-reply@localhost>"),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
    .optional(),
  OWNER_EMAIL: z
    .string()
    .refine(isEmail, "must be an email address, e.g. owner@example.com")
    .optional(),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      error: "must be one of fatal, error, warn, info, debug, trace, silent",
    })
    .default("info"),
  WORKER: z.enum(["inline", "off"], { error: "must be inline or off" }).default("inline"),
  // Jobs one worker pool runs at once. Jobs mostly wait on PostgreSQL, so more than the cores.
  WORKER_CONCURRENCY: z.coerce
    .number({ error: "must be a whole number of jobs" })
    .int("must be a whole number of jobs")
    .min(1, "must be at least 1")
    .max(100, "may be at most 100")
    .default(2),
  // Webhook URLs may resolve to loopback/private/link-local addresses (tests, local development).
  WEBHOOK_ALLOW_PRIVATE: z
    .enum(["true", "false"], { error: "must be true or false" })
    .transform((value) => value === "true")
    .default(false),
  // How long a receiver has to answer one delivery attempt.
  WEBHOOK_TIMEOUT_SECONDS: z.coerce
    .number({ error: "must be a number of seconds" })
    .positive("must be more than 0")
    .max(60, "may be at most 60")
    .default(10),
  // The waits before each retry of a failed delivery, in seconds (5 retries over ~12 hours).
  WEBHOOK_RETRY_SECONDS: z
    .string()
    .regex(
      /^\d+(\.\d+)?(,\d+(\.\d+)?){0,9}$/,
      "must be up to 10 comma-separated numbers of seconds",
    )
    .transform((text) => text.split(",").map(Number))
    .default([60, 300, 1800, 7200, 32400]),
  // "production": a WhatsApp template with no WhatsApp configured cannot be submitted (elsewhere
  // the sandbox approves it).
  NODE_ENV: z.string().optional(),
  // The WhatsApp Cloud API: its base URL (a version's root, e.g. https://graph.facebook.com/v21.0),
  // the bearer token, and the business account (WABA) whose message templates we submit.
  WHATSAPP_API_URL: z
    .url({
      protocol: /^https?$/,
      error: "must be an http(s) URL, e.g. https://graph.facebook.com/v21.0",
    })
    .optional(),
  WHATSAPP_TOKEN: z.string().min(1).optional(),
  WHATSAPP_BUSINESS_ACCOUNT_ID: z
    .string()
    .regex(/^\d{1,32}$/, "must be the account's digits")
    .optional(),
  // How long the sandbox takes to approve a submitted WhatsApp template.
  SANDBOX_TEMPLATE_APPROVAL_SECONDS: z.coerce
    .number({ error: "must be a number of seconds" })
    .min(0, "may not be negative")
    .max(86_400, "may be at most 86400")
    .default(10),
  // WhatsApp sending (with WHATSAPP_API_URL and WHATSAPP_TOKEN): the phone number messages leave
  // from; the app secret that signs the webhook's POSTs (X-Hub-Signature-256) and the token its
  // GET verification echoes.
  WHATSAPP_PHONE_NUMBER_ID: z
    .string()
    .regex(/^\d{1,32}$/, "must be the phone number id's digits")
    .optional(),
  WHATSAPP_APP_SECRET: z.string().min(1).optional(),
  WHATSAPP_VERIFY_TOKEN: z.string().min(1).optional(),
  // SMS over SMPP: one transceiver session per worker process, and the sender it gives.
  SMPP_URL: z
    .url({
      protocol: /^smpp$/,
      error: "must be an smpp:// URL, e.g. smpp://system_id:password@host:2775",
    })
    .optional(),
  SMPP_SOURCE_ADDR: z
    .string()
    .regex(/^(\+?\d{1,15}|[\x20-\x7e]{1,11})$/, "must be a phone number or up to 11 characters")
    .optional(),
  // How long a provider (SMPP, WhatsApp) has to answer one send before it is tried again.
  PROVIDER_TIMEOUT_SECONDS: z.coerce
    .number({ error: "must be a number of seconds" })
    .positive("must be more than 0")
    .max(120, "may be at most 120")
    .default(15),
  // The sandbox's lifecycle: seconds from sent to delivered, and from delivered to read.
  SANDBOX_DELIVERY_SECONDS: z.coerce
    .number({ error: "must be a number of seconds" })
    .min(0, "may not be negative")
    .max(3600, "may be at most 3600")
    .default(1),
  SANDBOX_READ_SECONDS: z.coerce
    .number({ error: "must be a number of seconds" })
    .min(0, "may not be negative")
    .max(3600, "may be at most 3600")
    .default(2),
  // The waits before each retry of a send a provider refused for now (5 attempts over ~26 min).
  MESSAGE_RETRY_SECONDS: z
    .string()
    .regex(
      /^\d+(\.\d+)?(,\d+(\.\d+)?){0,9}$/,
      "must be up to 10 comma-separated numbers of seconds",
    )
    .transform((text) => text.split(",").map(Number))
    .default([15, 60, 300, 1200]),
  // Messages one send job has in flight at once (a job holds up to 100).
  SEND_CONCURRENCY: z.coerce
    .number({ error: "must be a whole number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(100, "may be at most 100")
    .default(10),
  // Rows of botbat's rate-limit table replaced: `contacts.search=120/60,contacts.import=5/60`.
  BOTBAT_RATE_LIMITS: z
    .string()
    .transform((text, ctx): LimitOverrides => {
      const { limits, problems } = parseLimitTable(text, LIMIT_NAMES);
      for (const problem of problems) ctx.addIssue({ code: "custom", message: problem });
      return limits;
    })
    .optional(),
});

export type Config = z.infer<typeof schema> & { PUBLIC_URL: string };

export class ConfigError extends Error {}

/** Reads the environment once; a bad value stops the start with one line per problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", as in most twelve-factor apps.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ""),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) =>
        `  ${issue.path.join(".")}=${JSON.stringify(present[String(issue.path[0])])}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const config = parsed.data;
  const host = config.HOST === "0.0.0.0" ? "localhost" : config.HOST;
  return { ...config, PUBLIC_URL: config.PUBLIC_URL ?? `http://${host}:${config.PORT}` };
}

/** For the entry points: the configuration, or the problems on stderr and exit code 1. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
