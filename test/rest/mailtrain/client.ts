import { expect } from "vitest";
import type { TestGateway } from "../../helpers/server.js";

// A Mailtrain client over real HTTP: the token in `?access_token=`, bodies as forms (the
// default, as curl --data sends them), JSON or multipart.

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: replies are checked against literal shapes
  body: any;
  type: string;
}

export type BodyKind = "form" | "json" | "multipart";

export interface MailtrainClient {
  get(path: string, query?: Record<string, string>): Promise<Reply>;
  post(path: string, fields?: Record<string, unknown>, kind?: BodyKind): Promise<Reply>;
  raw(path: string, init: RequestInit): Promise<Reply>;
}

export function urlOf(gateway: TestGateway, path: string, query: Record<string, string>): string {
  const url = new URL(path, gateway.url);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return url.toString();
}

async function reply(response: Response): Promise<Reply> {
  const type = response.headers.get("content-type") ?? "";
  const text = await response.text();
  return { status: response.status, type, body: type.includes("json") ? JSON.parse(text) : text };
}

export function mailtrain(gateway: TestGateway, token: string | null): MailtrainClient {
  const auth = (): Record<string, string> => (token === null ? {} : { access_token: token });
  return {
    get: async (path, query = {}) =>
      reply(await fetch(urlOf(gateway, path, { ...auth(), ...query }))),
    post: async (path, fields = {}, kind = "form") => {
      let body: BodyInit;
      const headers: Record<string, string> = {};
      if (kind === "json") {
        body = JSON.stringify(fields);
        headers["content-type"] = "application/json";
      } else if (kind === "multipart") {
        const form = new FormData();
        for (const [key, value] of Object.entries(fields)) form.append(key, String(value));
        body = form;
      } else {
        body = new URLSearchParams(fields as Record<string, string>).toString();
        headers["content-type"] = "application/x-www-form-urlencoded";
      }
      return reply(await fetch(urlOf(gateway, path, auth()), { method: "POST", headers, body }));
    },
    raw: async (path, init) => reply(await fetch(urlOf(gateway, path, auth()), init)),
  };
}

/** Creates a list over GraphQL; answers its cid (public id) and global id. */
export async function graphqlList(
  gateway: TestGateway,
  key: string,
  name: string,
): Promise<{ cid: string; globalId: string }> {
  const response = await gateway.graphql<{ createList: { list: { id: string } } }>(
    `mutation($name: String!) { createList(input: { name: $name }) {
      ... on CreateListPayload { list { id } } } }`,
    { name },
    key,
  );
  expect(response.errors).toBeUndefined();
  const globalId = response.data?.createList.list.id as string;
  const cid = Buffer.from(globalId, "base64").toString().split(":")[1] as string;
  return { cid, globalId };
}

export function envelope(error: string) {
  return { error, data: [] };
}
