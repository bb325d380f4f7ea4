import { z } from "@hono/zod-openapi";
import {
  BODY_LIMITS,
  TEMPLATE_CATEGORIES,
  TEMPLATE_CHANNELS,
} from "../../../domain/templates/input.js";

// The Templates API's bodies and answers, for validation and the reference alike. What depends
// on the channel (category, subject, the body's limit, the variables and their samples) is
// checked by the domain, so that every surface refuses it the same way (422 on the field).

const STATUSES = ["draft", "pending", "approved", "rejected", "paused", "disabled"] as const;

export { idParam } from "../schemas.js";

export const listQuery = z.object({
  channel: z.enum(TEMPLATE_CHANNELS).optional(),
  status: z.enum(STATUSES).optional(),
  name: z.string().max(512).optional().openapi({ description: "Part of the name, any case." }),
});

const fields = {
  name: z.string().openapi({
    description:
      "Unique per channel and language, any case. WhatsApp: lowercase letters, digits and underscores, at most 512.",
    example: "order_shipped",
  }),
  language: z
    .string()
    .optional()
    .openapi({ description: "A code like en, en_US, pt_BR (default en).", example: "en_US" }),
  category: z.enum(TEMPLATE_CATEGORIES).nullable().optional().openapi({
    description: "Required for WhatsApp; SMS and email templates have none.",
  }),
  subject: z.string().nullable().optional().openapi({
    description: "Required for email; SMS and WhatsApp templates have none. May hold variables.",
  }),
  body: z.string().openapi({
    description: `The text, with variables: positional {{1}}, {{2}}… (from 1, no gaps) or named {{first_name}}, {{<custom field>}}. At most ${BODY_LIMITS.whatsapp} characters for WhatsApp, ${BODY_LIMITS.sms} for SMS, ${BODY_LIMITS.email.toLocaleString("en-US")} for email.`,
    example: "Hi {{1}}, your order {{2}} has shipped.",
  }),
  samples: z
    .record(z.string(), z.string())
    .optional()
    .openapi({
      description:
        "An example value for every variable, by variable (WhatsApp's review reads them).",
      example: { "1": "Ada", "2": "#1042" },
    }),
};

export const createBody = z
  .object({ channel: z.enum(TEMPLATE_CHANNELS), ...fields })
  .openapi("TemplateCreate");

export const updateBody = z
  .object({
    channel: z
      .enum(TEMPLATE_CHANNELS)
      .optional()
      .openapi({ description: "Cannot change; may be repeated." }),
    ...fields,
  })
  .openapi("TemplateUpdate");

export const templateSchema = z
  .object({
    id: z.string(),
    channel: z.enum(TEMPLATE_CHANNELS),
    name: z.string(),
    language: z.string(),
    category: z.enum(TEMPLATE_CATEGORIES).nullable(),
    subject: z.string().nullable(),
    body: z.string(),
    variables: z
      .array(z.string())
      .openapi({ description: "The variables of subject and body, in order of appearance." }),
    samples: z.record(z.string(), z.string()),
    status: z.enum(STATUSES).openapi({
      description:
        "WhatsApp: draft → pending (submitted) → approved / rejected; WhatsApp may pause or disable an approved one. SMS and email: approved at creation.",
    }),
    status_reason: z
      .string()
      .nullable()
      .openapi({ description: "Why it was rejected, paused or disabled." }),
    provider_template_id: z
      .string()
      .nullable()
      .openapi({ description: "WhatsApp's id for it, once submitted." }),
    sandbox: z.boolean(),
    submitted_at: z.string().nullable(),
    status_changed_at: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Template");
