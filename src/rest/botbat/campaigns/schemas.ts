import { z } from "@hono/zod-openapi";
import { CAMPAIGN_CHANNELS, CAMPAIGN_STATUSES } from "../../../domain/campaigns/campaigns.js";

// The Campaigns API's bodies and answers, for validation and the reference alike. Lengths,
// variable names and ids are checked by the domain, so that every surface refuses them alike.

export { idParam } from "../schemas.js";

const instant = z.string().datetime({ offset: true });

export const listQuery = z.object({
  status: z
    .enum(CAMPAIGN_STATUSES)
    .optional()
    .openapi({ description: "Only campaigns in this status." }),
  created_after: instant
    .optional()
    .openapi({ description: "Created at or after this time (ISO 8601)." }),
  created_before: instant
    .optional()
    .openapi({ description: "Created strictly before this time (ISO 8601)." }),
});

const audience = z
  .object({
    list_ids: z.array(z.string().max(64)).max(100).optional().openapi({
      description: "Ids of the account's segments (lists): their subscribed members.",
    }),
    tag_ids: z
      .array(z.string().max(64))
      .max(100)
      .optional()
      .openapi({ description: "Ids of the account's tags: every contact with one of them." }),
  })
  .openapi({ description: "Who it sends to: members of any of the lists or tags." });

const fields = {
  channel: z.enum(CAMPAIGN_CHANNELS).optional(),
  subject: z.string().nullable().optional().openapi({ description: "email without template." }),
  body: z.string().nullable().optional().openapi({
    description: "Sent when there is no template; may hold {{first_name}} and other fields.",
  }),
  template_id: z.string().max(64).nullable().optional().openapi({
    description: "A template of the campaign's channel (WhatsApp: approved, to be sent).",
  }),
  variables: z.record(z.string(), z.string()).nullable().optional().openapi({
    description:
      'The template\'s variables: {"1": "{{first_name}}", "2": "SPRING"}; a value may hold named variables, filled per contact.',
  }),
  audience: audience.optional(),
};

export const createBody = z
  .object({ name: z.string(), ...fields, channel: fields.channel.default("email") })
  .openapi("CampaignCreate");

export const updateBody = z
  .object({ name: z.string().optional(), ...fields })
  .openapi("CampaignUpdate");

export const sendBody = z
  .object({
    scheduled_at: instant.nullable().optional().openapi({
      description: "When to send (ISO 8601, in the future); omitted or null: now.",
    }),
  })
  .openapi("CampaignSend");

const stats = z
  .object({
    total: z.number().int().openapi({ description: "Messages written so far." }),
    queued: z.number().int(),
    sent: z.number().int(),
    delivered: z.number().int(),
    read: z.number().int(),
    failed: z.number().int(),
  })
  .openapi("CampaignStats");

export const campaignSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    channel: z.enum(CAMPAIGN_CHANNELS),
    status: z.enum(CAMPAIGN_STATUSES),
    subject: z.string().nullable(),
    body: z.string().nullable(),
    template_id: z.string().nullable(),
    variables: z.record(z.string(), z.string()),
    audience: z.object({ list_ids: z.array(z.string()), tag_ids: z.array(z.string()) }),
    scheduled_at: z.string().nullable(),
    started_at: z.string().nullable(),
    audience_done_at: z
      .string()
      .nullable()
      .openapi({ description: "When every contact of the audience had its message." }),
    completed_at: z.string().nullable(),
    failure_reason: z.string().nullable(),
    sandbox: z.boolean(),
    stats,
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi("Campaign");
