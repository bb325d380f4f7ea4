import { expect } from "vitest";
import type { TestGateway } from "../../helpers/server.js";

export const SINGLE = "/api/subscribers/create_or_update";
export const MANY = "/api/subscribers/create_or_update_many";

export interface BotampResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON bodies
  body: any;
}

/** POSTs to a botamp path; a string body is sent as it is (malformed JSON, duplicate keys). */
export async function post(
  gateway: TestGateway,
  path: string,
  body: unknown,
  key: string | null,
  headers: Record<string, string> = {},
): Promise<BotampResponse> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json; charset=utf-8",
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === "" ? null : JSON.parse(text),
  };
}

/** Subscribers, tags, subscriber tags and imports of an account: what a refused call must not change. */
export async function snapshot(gateway: TestGateway, accountId: string) {
  const { db } = gateway.database;
  const count = async (
    table: "subscribers" | "tags" | "subscriber_tags" | "imports",
  ): Promise<number> => {
    const { n } = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("account_id", "=", accountId)
      .executeTakeFirstOrThrow();
    return Number(n);
  };
  const subscribers = await db
    .selectFrom("subscribers")
    .selectAll()
    .where("account_id", "=", accountId)
    .orderBy("id")
    .execute();
  return {
    subscribers,
    tags: await count("tags"),
    subscriberTags: await count("subscriber_tags"),
    imports: await count("imports"),
  };
}

export function expectError(
  response: BotampResponse,
  status: number,
  code: string,
  field?: string,
): void {
  expect(response.status).toBe(status);
  expect(response.body.error.code).toBe(code);
  expect(typeof response.body.error.message).toBe("string");
  if (field !== undefined) {
    expect(response.body.error.details.map((detail: { field: string }) => detail.field)).toContain(
      field,
    );
  }
}

/** The subscriber GraphQL returns for an email, with its tags. */
export async function graphqlSubscriber(gateway: TestGateway, key: string, email: string) {
  const response = await gateway.graphql<{
    subscribers: {
      edges: { node: Record<string, unknown> & { tags: { id: string; name: string }[] } }[];
    };
  }>(
    `query($filter: SubscriberFilter) { subscribers(filter: $filter) { edges { node {
      id email firstName lastName jobTitle company country address website postalCode birthday
      tags { id name }
    } } } }`,
    { filter: { search: email } },
    key,
  );
  expect(response.errors).toBeUndefined();
  return response.data?.subscribers.edges.map((edge) => edge.node) ?? [];
}
