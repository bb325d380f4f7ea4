import { z } from "@hono/zod-openapi";
import { messageData } from "../../../domain/messages/payload.js";
import type { MessageView } from "../../../domain/messages/read.js";
import { MESSAGE_CHANNELS } from "../../../domain/messages/send.js";

// The Messages API's bodies and answers, for validation and the reference alike. Values are
// checked by the domain (channel, body or template, variables, limits), so that every surface
// refuses them the same way and a request hears of all its bad fields at once.

export { idParam } from "../schemas.js";

const text = (description: string) =>
  z.string({ error: "must be a string or null" }).nullable().optional().openapi({ description });

export const sendBody = z
  .object({
    contact_id: z
      .string({ error: "is required: the contact's id" })
      .min(1)
      .max(64)
      .openapi({ description: "The contact it goes to." }),
    channel: z
      .string({ error: `is required: one of ${MESSAGE_CHANNELS.join(", ")}` })
      .openapi({ description: `One of ${MESSAGE_CHANNELS.join(", ")}.`, example: "whatsapp" }),
    template_id: text("An approved template of the channel; or `body`."),
    body: text("The text (a freeform message); or `template_id`. May hold `{{first_name}}`."),
    subject: text("Email only; the template's own subject when left out."),
    variables: z
      .record(z.string(), z.unknown())
      .nullable()
      .optional()
      .openapi({
        description:
          'Variable → text: positional as WhatsApp templates have them (`{"1": "Ada"}`) or named. A value may hold the contact\'s `{{first_name}}`, custom fields by name.',
        example: { "1": "{{first_name}}", "2": "#1042" },
      }),
  })
  .openapi("MessageSend");

const STEPS = ["queued", "sent", "delivered", "read", "failed", "received"] as const;

export const messageSchema = z
  .object({
    id: z.string(),
    contact_id: z.string(),
    conversation_id: z
      .string()
      .nullable()
      .openapi({ description: "Its conversation; null for a campaign's message." }),
    campaign_id: z.string().nullable(),
    template_id: z.string().nullable(),
    channel: z.enum(MESSAGE_CHANNELS),
    direction: z.enum(["outbound", "inbound"]),
    address: z.string().openapi({ description: "The email or E.164 phone, as it was then." }),
    status: z.enum(STEPS),
    subject: z.string().nullable(),
    body: z.string().openapi({ description: "The text as sent: variables filled in." }),
    variables: z
      .record(z.string(), z.string())
      .openapi({ description: "The value each variable of the text had for this contact." }),
    queued_at: z.string().nullable(),
    sent_at: z.string().nullable(),
    delivered_at: z.string().nullable(),
    read_at: z.string().nullable(),
    failed_at: z.string().nullable(),
    received_at: z.string().nullable(),
    lifecycle: z.array(z.object({ status: z.enum(STEPS), at: z.string() })).openapi({
      description:
        "Each status it reached and when, in order (read may come without delivered, as providers report).",
    }),
    failure_reason: z.string().nullable(),
    provider_message_id: z.string().nullable(),
    attempts: z.number().int(),
    sandbox: z.boolean().openapi({ description: "Sent by a sandbox key: it never left." }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Message");

/** A message as botbat shows it: the event's shape, its variables and its lifecycle. */
export function messageOut(row: MessageView) {
  const data = messageData(row, {
    contactId: row.contact_public_id,
    conversationId: row.conversation_public_id,
    campaignId: row.campaign_public_id,
    templateId: row.template_public_id,
  });
  const times = {
    queued: data.queued_at,
    sent: data.sent_at,
    delivered: data.delivered_at,
    read: data.read_at,
    failed: data.failed_at,
    received: data.received_at,
  } as Record<(typeof STEPS)[number], string | null>;
  const lifecycle = STEPS.flatMap((status) => {
    const at = times[status];
    return at ? [{ status, at }] : [];
  }).sort((a, b) => a.at.localeCompare(b.at));
  return {
    ...(data as Omit<z.infer<typeof messageSchema>, "variables" | "lifecycle">),
    variables: row.variables as Record<string, string>,
    lifecycle,
  };
}
