import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";

// Webhooks through GraphQL: the secret only in createWebhook's payload, typed errors that change
// nothing, and each webhook's delivery attempts loaded for a whole page in one statement.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway?.close();
});

const CREATE = `mutation($input: CreateWebhookInput!) { createWebhook(input: $input) {
  __typename
  ... on CreateWebhookPayload { secret webhook { id url events active sandbox } }
  ... on ValidationError { issues { path message } }
} }`;

interface Created {
  createWebhook: {
    __typename: string;
    secret?: string;
    webhook?: { id: string; url: string; events: string[] };
    issues?: { path: string[]; message: string }[];
  };
}

async function create(key: string, input: Record<string, unknown>) {
  const answer = await gateway.graphql<Created>(CREATE, { input }, key);
  expect(answer.errors).toBeUndefined();
  return answer.data?.createWebhook as Created["createWebhook"];
}

async function count(accountId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from webhooks
    where account_id = ${accountId}`.execute(gateway.database.db);
  return rows[0]?.n ?? -1;
}

/** Attempts written as the delivery job writes them (no receiver needed to read them back). */
async function recordAttempts(accountId: string, webhookGlobalId: string, attempts: number) {
  const { db } = gateway.database;
  const publicId = Buffer.from(webhookGlobalId, "base64").toString().split(":")[1] as string;
  const webhook = await db
    .selectFrom("webhooks")
    .select("id")
    .where("account_id", "=", accountId)
    .where("public_id", "=", publicId)
    .executeTakeFirstOrThrow();
  const event = await db
    .insertInto("webhook_events")
    .values({ account_id: accountId, type: "contact.created", data: JSON.stringify({}) })
    .returning(["id", "public_id"])
    .executeTakeFirstOrThrow();
  for (let attempt = 1; attempt <= attempts; attempt++)
    await db
      .insertInto("webhook_deliveries")
      .values({
        account_id: accountId,
        webhook_id: webhook.id,
        event_id: event.id,
        attempt,
        status_code: attempt === attempts ? 200 : 500,
        succeeded: attempt === attempts,
        error: attempt === attempts ? null : "answered 500",
        response_ms: 12,
        response_body: "ok",
      })
      .execute();
  return event.public_id;
}

describe("GraphQL webhooks", () => {
  it("creates (secret in the payload only), lists with attempts, updates and deletes", async () => {
    const { id: accountId, key } = await gateway.account();
    const made = await create(key, {
      url: "https://93.184.215.14/hook",
      events: ["contact.created"],
    });
    expect(made.__typename).toBe("CreateWebhookPayload");
    expect(made.secret).toMatch(/^whsec_/);
    const id = made.webhook?.id as string;
    const eventId = await recordAttempts(accountId, id, 2);

    const read = await gateway.graphql<{
      webhooks: {
        totalCount: number;
        edges: { node: Record<string, unknown> & { deliveries: Record<string, unknown> } }[];
      };
      node: { url: string } | null;
    }>(
      `query($id: ID!) {
        webhooks(first: 5) { totalCount edges { node { id url events active failingSince
          deliveries(last: 5) { totalCount edges { node {
            attempt succeeded statusCode error eventId eventType deliveryId responseBody } } } } } }
        node(id: $id) { ... on Webhook { url } }
      }`,
      { id },
      key,
    );
    expect(read.errors).toBeUndefined();
    expect(read.data?.node).toEqual({ url: "https://93.184.215.14/hook" });
    const node = read.data?.webhooks.edges[0]?.node;
    expect(node).not.toHaveProperty("secret");
    expect(node?.deliveries).toMatchObject({
      totalCount: 2,
      edges: [
        { node: { attempt: 1, succeeded: false, statusCode: 500, error: "answered 500", eventId } },
        { node: { attempt: 2, succeeded: true, statusCode: 200, eventType: "contact.created" } },
      ],
    });

    const updated = await gateway.graphql<{ updateWebhook: Record<string, unknown> }>(
      `mutation($id: ID!) { updateWebhook(input: { id: $id, events: ["contact.deleted"], active: false }) {
        ... on UpdateWebhookPayload { webhook { url events active } } } }`,
      { id },
      key,
    );
    expect(updated.data?.updateWebhook).toEqual({
      webhook: { url: "https://93.184.215.14/hook", events: ["contact.deleted"], active: false },
    });
    const deleted = await gateway.graphql<{ deleteWebhook: { deletedId: string } }>(
      `mutation($id: ID!) { deleteWebhook(input: { id: $id }) {
        ... on DeleteWebhookPayload { deletedId } } }`,
      { id },
      key,
    );
    expect(deleted.data?.deleteWebhook.deletedId).toBe(id);
    expect(await count(accountId)).toBe(0);
  });

  it("answers typed errors that change nothing", async () => {
    const owner = await gateway.account();
    const other = await gateway.account();
    const refused = await create(owner.key, {
      url: "http://169.254.169.254/latest",
      events: ["contact.created", "campaign.completed"],
    });
    expect(refused.__typename).toBe("ValidationError");
    expect(refused.issues?.map((issue) => issue.path)).toEqual([
      ["input", "url"],
      ["input", "events", "1"],
    ]);
    expect(await count(owner.id)).toBe(0);

    const made = await create(owner.key, {
      url: "https://93.184.215.14/",
      events: ["contact.created"],
    });
    const id = made.webhook?.id as string;
    const before = await gateway.database.db
      .selectFrom("webhooks")
      .selectAll()
      .where("account_id", "=", owner.id)
      .execute();
    const foreign = await gateway.graphql<{ updateWebhook: { __typename: string } }>(
      `mutation($id: ID!) { updateWebhook(input: { id: $id, active: false }) { __typename } }`,
      { id },
      other.key,
    );
    expect(foreign.data?.updateWebhook.__typename).toBe("NotFoundError");
    const bad = await gateway.graphql<{ updateWebhook: { __typename: string } }>(
      `mutation($id: ID!) { updateWebhook(input: { id: $id, url: "http://localhost/" }) { __typename } }`,
      { id },
      owner.key,
    );
    expect(bad.data?.updateWebhook.__typename).toBe("ValidationError");
    const readOnly = await gateway.key(owner.id, ["webhooks:read"]);
    const forbidden = await gateway.graphql(
      `mutation($id: ID!) { deleteWebhook(input: { id: $id }) { __typename } }`,
      { id },
      readOnly,
    );
    expect(forbidden.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const noScope = await gateway.key(owner.id, ["contacts:read"]);
    const hidden = await gateway.graphql(`{ webhooks(first: 1) { totalCount } }`, {}, noScope);
    expect(hidden.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const after = await gateway.database.db
      .selectFrom("webhooks")
      .selectAll()
      .where("account_id", "=", owner.id)
      .execute();
    expect(after).toEqual(before);
  });

  it("loads the attempts of a whole page of webhooks in one statement, filtered by account", async () => {
    const { id: accountId, key } = await gateway.account();
    for (let i = 0; i < 6; i++) {
      const made = await create(key, {
        url: `https://93.184.215.14/${i}`,
        events: ["contact.created"],
      });
      await recordAttempts(accountId, made.webhook?.id as string, 3);
    }
    const query = `query($n: Int!) { webhooks(first: $n) { edges { node { url
      deliveries(first: 2) { edges { node { attempt } } } } } } }`;
    const costOf = async (n: number) => {
      gateway.database.statements.reset();
      const answer = await gateway.graphql<{
        webhooks: { edges: { node: { deliveries: { edges: unknown[] } } }[] };
      }>(query, { n }, key);
      expect(answer.errors).toBeUndefined();
      for (const edge of answer.data?.webhooks.edges ?? [])
        expect(edge.node.deliveries.edges).toHaveLength(2);
      const statements = gateway.database.statements.all();
      for (const statement of statements) {
        expect(statement.sql).toMatch(/account_id/);
        expect(statement.parameters).toContain(accountId);
      }
      return statements.length;
    };
    expect(await costOf(6)).toBe(await costOf(2));
  });
});
