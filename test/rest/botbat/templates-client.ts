import { sql } from "kysely";
import type { TestGateway } from "../../helpers/server.js";
import type { Receiver } from "../../jobs/webhook-receiver.js";

// What the template tests share: calls to /v1/templates, the stored rows, and a webhook that
// listens to template.status_changed so that every such event is kept (events are written only
// when a webhook listens).

export interface TemplateBody {
  id: string;
  channel: string;
  name: string;
  language: string;
  category: string | null;
  subject: string | null;
  body: string;
  variables: string[];
  samples: Record<string, string>;
  status: string;
  status_reason: string | null;
  provider_template_id: string | null;
  sandbox: boolean;
  submitted_at: string | null;
}

export function templatesClient(gateway: TestGateway) {
  const call = async (key: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  };
  return {
    call,
    create: (key: string, body: Record<string, unknown>) =>
      call(key, "POST", "/v1/templates", body),
    async count(accountId: string): Promise<number> {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from templates
        where account_id = ${accountId}`.execute(gateway.database.db);
      return rows[0]?.n ?? -1;
    },
    async row(publicId: string) {
      return gateway.database.db
        .selectFrom("templates")
        .selectAll()
        .where("public_id", "=", publicId)
        .executeTakeFirstOrThrow();
    },
    /** A live webhook of the account listening to template.status_changed (to `receiver`). */
    async listen(accountId: string, receiver: Receiver, sandbox = false) {
      await gateway.database.db
        .insertInto("webhooks")
        .values({
          account_id: accountId,
          url: `${receiver.url}/hooks`,
          events: ["template.status_changed"],
          secret: "s".repeat(32),
          description: null,
          sandbox,
        })
        .execute();
    },
    /** template.status_changed events kept for the template, oldest first. */
    async events(publicId: string) {
      const { rows } = await sql<{ data: Record<string, unknown>; sandbox: boolean }>`
        select data, sandbox from webhook_events
        where type = 'template.status_changed' and data -> 'template' ->> 'id' = ${publicId}
        order by id`.execute(gateway.database.db);
      return rows.map((row) => ({
        status: (row.data.template as { status: string }).status,
        previous: row.data.previous_status as string,
        sandbox: row.sandbox,
      }));
    },
  };
}

export const WHATSAPP = {
  channel: "whatsapp",
  name: "order_shipped",
  language: "en_US",
  category: "utility",
  body: "Hi {{1}}, your order {{2}} has shipped.",
  samples: { "1": "Ada", "2": "#1042" },
};
