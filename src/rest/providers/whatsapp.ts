import { createHmac, timingSafeEqual } from "node:crypto";
import { Hono } from "hono";
import { z } from "zod";
import type { DB } from "../../db/database.js";
import type { Jobs } from "../../domain/context.js";
import { receiveInbound } from "../../domain/messages/inbound.js";
import {
  type ReportedStatus,
  type recordProviderStatuses,
  recordProviderStatusesWhenKnown,
} from "../../domain/messages/status.js";
import { recordTemplateStatus } from "../../domain/templates/provider-status.js";
import type { Logger } from "../../log.js";
import { bodyLimitOf } from "../kit/body.js";

// WhatsApp's callbacks (the Cloud API webhook), at WHATSAPP_WEBHOOK_PATH. Meta verifies the
// subscription with a GET that must echo hub.challenge when hub.verify_token is ours; it then
// POSTs changes signed with the app secret: X-Hub-Signature-256 = sha256=<hex HMAC-SHA256 of the
// raw body>. An unsigned or badly signed POST is 401 and changes nothing (without an app secret
// configured, every POST is). A signed one carries message statuses, messages from contacts and
// template reviews; it is answered 200 once all are stored, and 500 otherwise, so Meta sends it
// again (statuses never go back and inbound messages are stored once by their wamid, so a second
// delivery changes nothing twice).

export const WHATSAPP_WEBHOOK_PATH = "/providers/whatsapp/webhook";
const BODY_LIMIT = 1024 * 1024;
/** How long a status waits for the send job to record the wamid it names. */
const STATUS_WAIT_MS = 5_000;

export interface WhatsAppWebhookSettings {
  /** WHATSAPP_APP_SECRET: the key of X-Hub-Signature-256. */
  appSecret?: string;
  /** WHATSAPP_VERIFY_TOKEN: what the subscription's GET must present. */
  verifyToken?: string;
}

export interface WhatsAppWebhookDeps {
  db: DB;
  jobs: Jobs;
  log: Logger;
  whatsapp?: WhatsAppWebhookSettings;
}

const STATUSES: Record<string, ReportedStatus> = {
  sent: "sent",
  delivered: "delivered",
  read: "read",
  failed: "failed",
};

const statusSchema = z.object({
  id: z.string().min(1),
  status: z.string(),
  timestamp: z.string().regex(/^\d+$/).optional(),
  errors: z
    .array(
      z.object({
        code: z.number().optional(),
        title: z.string().optional(),
        message: z.string().optional(),
      }),
    )
    .optional(),
});

const messageSchema = z.object({
  id: z.string().min(1),
  from: z.string().min(1),
  timestamp: z.string().regex(/^\d+$/).optional(),
  type: z.string().optional(),
  text: z.object({ body: z.string() }).optional(),
  button: z.object({ text: z.string() }).optional(),
});

const changeSchema = z.object({
  field: z.string(),
  value: z.record(z.string(), z.unknown()).optional(),
});

const bodySchema = z.object({
  object: z.string().optional(),
  entry: z
    .array(z.object({ changes: z.array(changeSchema).optional() }))
    .optional()
    .default([]),
});

function equalSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether `header` is sha256=<hex> of the body under the secret (compared in constant time). */
export function signatureValid(
  body: Uint8Array,
  header: string | undefined,
  secret: string,
): boolean {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? "");
  if (!match) return false;
  const expected = createHmac("sha256", secret).update(body).digest();
  return timingSafeEqual(Buffer.from(match[1], "hex"), expected);
}

function timeOf(timestamp: string | undefined): Date | null {
  return timestamp ? new Date(Number(timestamp) * 1000) : null;
}

function failureReason(errors: z.infer<typeof statusSchema>["errors"]): string {
  const first = errors?.[0];
  if (!first) return "WhatsApp reported the message failed";
  const text = first.message ?? first.title ?? "failed";
  return `WhatsApp: ${text}${first.code === undefined ? "" : ` (code ${first.code})`}`;
}

/** Applies one signed callback: statuses, then messages, then template reviews. */
async function apply(deps: WhatsAppWebhookDeps, log: Logger, body: z.infer<typeof bodySchema>) {
  const statuses: Parameters<typeof recordProviderStatuses>[3][number][] = [];
  const inbound: z.infer<typeof messageSchema>[] = [];
  const templates: { id: string; event: string; reason: string | null }[] = [];
  for (const entry of body.entry) {
    for (const change of entry.changes ?? []) {
      const value = change.value ?? {};
      if (change.field === "messages") {
        for (const raw of Array.isArray(value.statuses) ? value.statuses : []) {
          const parsed = statusSchema.safeParse(raw);
          const status = parsed.success ? STATUSES[parsed.data.status] : undefined;
          if (!parsed.success || !status) continue;
          statuses.push({
            providerMessageId: parsed.data.id,
            status,
            at: timeOf(parsed.data.timestamp),
            reason: status === "failed" ? failureReason(parsed.data.errors) : null,
          });
        }
        for (const raw of Array.isArray(value.messages) ? value.messages : []) {
          const parsed = messageSchema.safeParse(raw);
          if (parsed.success) inbound.push(parsed.data);
        }
      } else if (change.field === "message_template_status_update") {
        const id = value.message_template_id;
        if ((typeof id === "string" || typeof id === "number") && typeof value.event === "string")
          templates.push({
            id: String(id),
            event: value.event,
            reason: typeof value.reason === "string" ? value.reason : null,
          });
      }
    }
  }
  await recordProviderStatusesWhenKnown(deps.db, deps.jobs, "whatsapp", statuses, STATUS_WAIT_MS);
  for (const message of inbound) {
    // Media and other kinds are kept as their kind: the gateway stores text only.
    const text = message.text?.body ?? message.button?.text ?? `[${message.type ?? "message"}]`;
    await receiveInbound(deps.db, deps.jobs, log, {
      channel: "whatsapp",
      from: message.from,
      body: text,
      providerMessageId: message.id,
      at: timeOf(message.timestamp),
    });
  }
  for (const template of templates) {
    await recordTemplateStatus(deps.db, deps.jobs, {
      providerTemplateId: template.id,
      status: template.event,
      reason: template.reason,
    });
  }
}

type Env = { Variables: { log?: Logger } };

export function createWhatsAppWebhookRoutes(deps: WhatsAppWebhookDeps): Hono<Env> {
  const app = new Hono<Env>();
  const settings = deps.whatsapp ?? {};

  app.get(WHATSAPP_WEBHOOK_PATH, (c) => {
    const mode = c.req.query("hub.mode");
    const token = c.req.query("hub.verify_token") ?? "";
    const challenge = c.req.query("hub.challenge") ?? "";
    if (mode !== "subscribe" || !settings.verifyToken || !equalSecret(token, settings.verifyToken))
      return c.json({ error: "verification failed" }, 403);
    return c.text(challenge, 200);
  });

  app.post(
    WHATSAPP_WEBHOOK_PATH,
    bodyLimitOf(BODY_LIMIT, (c, most) => c.json({ error: `the body may be at most ${most}` }, 413)),
    async (c) => {
      const log = c.get("log") ?? deps.log;
      const raw = new Uint8Array(await c.req.arrayBuffer());
      const header = c.req.header("x-hub-signature-256");
      if (!settings.appSecret || !signatureValid(raw, header, settings.appSecret)) {
        log.warn({ signed: header !== undefined }, "WhatsApp callback refused: bad signature");
        return c.json({ error: "invalid signature" }, 401);
      }
      let json: unknown;
      try {
        json = JSON.parse(new TextDecoder().decode(raw));
      } catch {
        return c.json({ error: "the body is not JSON" }, 400);
      }
      const body = bodySchema.safeParse(json);
      if (!body.success) return c.json({ error: "not a WhatsApp webhook body" }, 400);
      await apply(deps, log, body.data);
      return c.json({ received: true });
    },
  );
  return app;
}
