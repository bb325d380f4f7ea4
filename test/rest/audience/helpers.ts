import { decodeGlobalID } from "@pothos/plugin-relay";
import { expect } from "vitest";
import type { TestGateway } from "../../helpers/server.js";

// Calls of the audience dialect over HTTP, and what its tests compare against: the rows GraphQL
// made, read back for their public ids and timestamps.

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: bodies are compared whole with toEqual
  body: any;
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, headers: response.headers, text, body };
}

export function audienceClient(gateway: TestGateway) {
  return {
    get: async (
      sid: string,
      path: string,
      key: string | null,
      query: Record<string, string> = {},
    ): Promise<Answer> => {
      const search = new URLSearchParams(query).toString();
      const response = await fetch(
        `${gateway.url}/audience/v1/${sid}/${path}${search ? `?${search}` : ""}`,
        { headers: key === null ? {} : { "api-key": key } },
      );
      return answerOf(response);
    },
    post: async (sid: string, key: string | null, body: unknown): Promise<Answer> => {
      const response = await fetch(`${gateway.url}/audience/v1/${sid}/contact`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(key === null ? {} : { "api-key": key }),
        },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      return answerOf(response);
    },
  };
}

/** The public id a GraphQL global id wraps: the id the audience dialect shows. */
export function publicId(globalId: string): string {
  return decodeGlobalID(globalId).id;
}

/** 2024-11-18T18:08:20Z */
export function stamp(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}

/** The standard error envelope, whole: `error` filled, the HTTP status in `status`. */
export function expectError(answer: Answer, status: number, code: string, message?: RegExp) {
  expect(answer.status, answer.text).toBe(status);
  expect(Object.keys(answer.body)).toEqual(["data", "error", "message", "status"]);
  expect(answer.body.data).toBeNull();
  expect(answer.body.status).toBe(status);
  expect(answer.body.error.code).toBe(code);
  expect(answer.body.error.message).toBe(answer.body.message);
  if (message) expect(answer.body.message).toMatch(message);
  expect(answer.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
}

/** The tag endpoint's error envelope: `status: false`, the HTTP status in `statuscode`. */
export function expectTagError(answer: Answer, status: number, code: string) {
  expect(answer.status, answer.text).toBe(status);
  expect(Object.keys(answer.body)).toEqual(["data", "error", "message", "status", "statuscode"]);
  expect(answer.body).toMatchObject({ data: null, status: false, statuscode: status });
  expect(answer.body.error.code).toBe(code);
}
