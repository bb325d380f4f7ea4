import { sql } from "kysely";
import type { TemplateCategory, TemplateStatus } from "../../../src/db/types.js";
import type { TestGateway } from "../../helpers/server.js";

// Set-up shared by the messages and conversations tests: contacts and templates written straight
// into the file's database (only the behaviour under test goes over HTTP), and what a refused
// request must leave unchanged.

export async function contact(
  gateway: TestGateway,
  accountId: string,
  fields: { email: string; phone?: string | null; first_name?: string; status?: string },
): Promise<{ id: string; publicId: string }> {
  const row = await gateway.database.db
    .insertInto("subscribers")
    .values({
      account_id: accountId,
      email: fields.email,
      phone: fields.phone ?? null,
      first_name: fields.first_name ?? null,
      status: (fields.status ?? "active") as "active",
    })
    .returning(["id", "public_id"])
    .executeTakeFirstOrThrow();
  return { id: row.id, publicId: row.public_id };
}

export async function template(
  gateway: TestGateway,
  accountId: string,
  fields: {
    channel: "email" | "sms" | "whatsapp";
    name: string;
    body: string;
    subject?: string;
    status?: TemplateStatus;
    category?: TemplateCategory;
  },
): Promise<string> {
  const row = await gateway.database.db
    .insertInto("templates")
    .values({
      account_id: accountId,
      channel: fields.channel,
      name: fields.name,
      body: fields.body,
      subject: fields.subject ?? null,
      category: fields.category ?? (fields.channel === "whatsapp" ? "utility" : null),
      status: fields.status ?? "approved",
    })
    .returning("public_id")
    .executeTakeFirstOrThrow();
  return row.public_id;
}

export async function agent(
  gateway: TestGateway,
  accountId: string,
  name: string,
  email: string,
): Promise<string> {
  const row = await gateway.database.db
    .insertInto("agents")
    .values({ account_id: accountId, name, email })
    .returning("public_id")
    .executeTakeFirstOrThrow();
  return row.public_id;
}

/** How many messages, conversations, send jobs and events the account has. */
export async function messagingCounts(gateway: TestGateway, accountId: string) {
  const { rows } = await sql<{
    messages: number;
    conversations: number;
    sends: number;
    events: number;
  }>`select
      (select count(*)::int from messages where account_id = ${accountId}) as messages,
      (select count(*)::int from conversations where account_id = ${accountId}) as conversations,
      (select count(*)::int from graphile_worker._private_jobs j
        join graphile_worker._private_tasks t on t.id = j.task_id
        where t.identifier = 'send-messages') as sends,
      (select count(*)::int from webhook_events where account_id = ${accountId}) as events
  `.execute(gateway.database.db);
  return rows[0];
}

/** The send jobs that name a message (by its internal id). */
export async function sendJobsOf(gateway: TestGateway, messageId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n
    from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
    where t.identifier = 'send-messages' and (j.payload::jsonb)->'messageIds' ? ${messageId}`.execute(
    gateway.database.db,
  );
  return rows[0]?.n ?? 0;
}
