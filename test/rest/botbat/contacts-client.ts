import type { TestGateway } from "../../helpers/server.js";

// A small client of botbat's /v1 for the contacts tests: JSON in and out, with a key.

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export function botbat(gateway: TestGateway, key: string) {
  const call = async <T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer<T>> => {
    const init: RequestInit = {
      method,
      headers: { authorization: `Bearer ${key}`, accept: "application/json", ...headers },
    };
    if (body !== undefined) {
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    const response = await fetch(`${gateway.url}${path}`, init);
    const text = await response.text();
    return {
      status: response.status,
      body: (text ? JSON.parse(text) : null) as T,
      headers: response.headers,
    };
  };
  return {
    call,
    get: <T = Record<string, unknown>>(path: string) => call<T>("GET", path),
    post: <T = Record<string, unknown>>(path: string, body: unknown) => call<T>("POST", path, body),
    put: <T = Record<string, unknown>>(path: string, body: unknown) => call<T>("PUT", path, body),
    del: <T = Record<string, unknown>>(path: string) => call<T>("DELETE", path),
  };
}

export type Botbat = ReturnType<typeof botbat>;

/** What a failed request must leave unchanged: every row a contact write may touch. */
export async function contactState(gateway: TestGateway, accountId: string) {
  const db = gateway.database.db;
  const [subscribers, tags, fields, taggings, imports] = await Promise.all([
    db
      .selectFrom("subscribers")
      .selectAll()
      .where("account_id", "=", accountId)
      .orderBy("id")
      .execute(),
    db.selectFrom("tags").selectAll().where("account_id", "=", accountId).orderBy("id").execute(),
    db
      .selectFrom("custom_fields")
      .selectAll()
      .where("account_id", "=", accountId)
      .orderBy("id")
      .execute(),
    db
      .selectFrom("subscriber_tags")
      .selectAll()
      .where("account_id", "=", accountId)
      .orderBy(["subscriber_id", "tag_id"])
      .execute(),
    db
      .selectFrom("imports")
      .selectAll()
      .where("account_id", "=", accountId)
      .orderBy("id")
      .execute(),
  ]);
  return { subscribers, tags, fields, taggings, imports };
}
