import { z } from "@hono/zod-openapi";
import { conversationData } from "../../../domain/conversations/payload.js";
import { type ConversationView, UNASSIGNED } from "../../../domain/conversations/read.js";
import { MESSAGE_CHANNELS } from "../../../domain/messages/send.js";
import { listSchema, pageQuery } from "../cursor.js";
import { messageSchema } from "../messages/schemas.js";

// The Conversations API's queries, bodies and answers, for validation and the reference alike.

export { idParam } from "../schemas.js";

const STATUSES = ["open", "pending", "snoozed", "resolved"] as const;

export const listQuery = pageQuery.extend({
  status: z
    .enum(STATUSES)
    .optional()
    .openapi({ description: "Only conversations in this status." }),
  assignee: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .openapi({
      description: `An agent's id: its conversations; \`${UNASSIGNED}\`: those assigned to nobody. An unknown agent matches nothing.`,
    }),
  channel: z.enum(MESSAGE_CHANNELS).optional(),
  contact_id: z.string().min(1).max(64).optional().openapi({ description: "With this contact." }),
});

export const assignBody = z
  .object({
    agent_id: z
      .string({ error: "must be an agent's id, or null to unassign" })
      .min(1)
      .max(64)
      .nullable()
      .openapi({ description: "The agent; null: assigned to nobody." }),
  })
  .openapi("ConversationAssign");

const conversationFields = {
  id: z.string(),
  contact_id: z.string(),
  channel: z.enum(MESSAGE_CHANNELS),
  status: z.enum(STATUSES),
  assignee_id: z.string().nullable().openapi({ description: "The agent's id; null: nobody." }),
  snoozed_until: z.string().nullable(),
  last_message_at: z.string().nullable(),
  resolved_at: z.string().nullable(),
  sandbox: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
};

export const conversationSchema = z.object(conversationFields).openapi("Conversation");

export const conversationDetailSchema = z
  .object({
    ...conversationFields,
    messages: listSchema(messageSchema).openapi({
      description:
        "Its message history both ways, newest first: a page of `limit` (default 25), the next (older) page at `?cursor=`.",
    }),
  })
  .openapi("ConversationDetail");

export function conversationOut(row: ConversationView) {
  return conversationData(row, {
    contactId: row.contact_public_id,
    assigneeId: row.assignee_public_id,
  }) as z.infer<typeof conversationSchema>;
}
