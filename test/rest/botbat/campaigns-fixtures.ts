import { sql } from "kysely";
import type { DB } from "../../../src/db/database.js";
import type { TemplateStatus } from "../../../src/db/types.js";

// Rows the campaign tests send to, written straight to the database: the audience as other
// surfaces would have made it, and templates in the status a test needs.

export function call(url: string, key: string, method: string, path: string, body?: unknown) {
  return fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export async function list(db: DB, accountId: string, name: string) {
  return db
    .insertInto("lists")
    .values({ account_id: accountId, name })
    .returning(["id", "public_id"])
    .executeTakeFirstOrThrow();
}

export async function tag(db: DB, accountId: string, name: string) {
  return db
    .insertInto("tags")
    .values({ account_id: accountId, name })
    .returning(["id", "public_id"])
    .executeTakeFirstOrThrow();
}

export async function template(
  db: DB,
  accountId: string,
  values: {
    channel: "email" | "sms" | "whatsapp";
    body: string;
    subject?: string;
    status?: TemplateStatus;
  },
) {
  return db
    .insertInto("templates")
    .values({
      account_id: accountId,
      name: `t-${Math.random().toString(36).slice(2)}`,
      channel: values.channel,
      body: values.body,
      subject: values.subject ?? null,
      status: values.status ?? "approved",
      category: values.channel === "whatsapp" ? "marketing" : null,
    })
    .returning(["id", "public_id"])
    .executeTakeFirstOrThrow();
}

export async function subscriber(
  db: DB,
  accountId: string,
  values: {
    email: string;
    firstName?: string;
    phone?: string | null;
    status?: "active" | "unsubscribed" | "bounced" | "complained";
    lists?: { id: string; status?: "subscribed" | "unsubscribed" }[];
    tags?: { id: string }[];
  },
) {
  const row = await db
    .insertInto("subscribers")
    .values({
      account_id: accountId,
      email: values.email,
      first_name: values.firstName ?? null,
      phone: values.phone ?? null,
      status: values.status ?? "active",
      custom_values: "{}",
    })
    .returning(["id", "public_id"])
    .executeTakeFirstOrThrow();
  for (const member of values.lists ?? [])
    await db
      .insertInto("subscriptions")
      .values({
        account_id: accountId,
        list_id: member.id,
        subscriber_id: row.id,
        status: member.status ?? "subscribed",
      })
      .execute();
  for (const t of values.tags ?? [])
    await db
      .insertInto("subscriber_tags")
      .values({ account_id: accountId, subscriber_id: row.id, tag_id: t.id })
      .execute();
  return row;
}

/** The campaign's fan-out jobs still in the queue (scheduled or due). */
export async function fanOutJobs(db: DB, campaignPublicId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from graphile_worker.jobs j
    join campaigns c on j.key = 'campaign-fan-out:' || c.id
    where c.public_id = ${campaignPublicId}`.execute(db);
  return rows[0].n;
}

export async function campaignRows(db: DB, accountId: string) {
  return db
    .selectFrom("campaigns")
    .selectAll()
    .where("account_id", "=", accountId)
    .orderBy("id")
    .execute();
}
