import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";

// Requests /graphql must refuse in GraphQL's own format (`errors` with an `extensions.code`, a
// 4xx), where they used to answer a 500 (a NUL reaching Postgres, broken `variables` JSON), a
// 404 (PUT), an empty 415, or silently store U+FFFD for bytes that are not UTF-8.

let gateway: TestGateway;
let key: string;
beforeAll(async () => {
  gateway = await startTestGateway();
  key = (await gateway.account()).key;
});
afterAll(() => gateway.close());

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: error bodies are read field by field
  body: any;
}

async function send(init: RequestInit & { url?: string }): Promise<Answer> {
  const response = await fetch(init.url ?? `${gateway.url}/graphql`, {
    ...init,
    headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) },
  });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Left null: the assertions say what was expected.
  }
  return { status: response.status, headers: response.headers, text, body };
}

const postJson = (body: string) =>
  send({ method: "POST", headers: { "content-type": "application/json" }, body });

const CREATE = `mutation($input: CreateSubscriberInput!) {
  createSubscriber(input: $input) { __typename } }`;

function expectRefused(answer: Answer, status: number, code: string, message?: RegExp) {
  expect(answer.status, answer.text).toBe(status);
  const [error] = answer.body?.errors ?? [];
  expect(error?.extensions?.code, answer.text).toBe(code);
  if (message) expect(error.message).toMatch(message);
  expect(answer.text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
}

async function subscriberCount(): Promise<number> {
  const row = await gateway.database.db
    .selectFrom("subscribers")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe("NUL characters and text that is not UTF-8", () => {
  it("refuses a NUL in a mutation's variables, and stores nothing", async () => {
    const answer = await postJson(
      JSON.stringify({ query: CREATE, variables: { input: { email: "a\u0000b@x.example" } } }),
    );
    expectRefused(answer, 400, "BAD_USER_INPUT", /\$input\.email must not contain a NUL/);
    // The same through a nested field and a name.
    const named = await postJson(
      JSON.stringify({
        query: CREATE,
        variables: { input: { email: "ok@x.example", firstName: "A\u0000" } },
      }),
    );
    expectRefused(named, 400, "BAD_USER_INPUT", /\$input\.firstName/);
    expect(await subscriberCount()).toBe(0);
  });

  it("refuses a NUL in a filter given as a variable or as a literal", async () => {
    const filter = "query($s: String) { subscribers(filter: { search: $s }) { totalCount } }";
    expectRefused(
      await postJson(JSON.stringify({ query: filter, variables: { s: "\u0000" } })),
      400,
      "BAD_USER_INPUT",
    );
    const literal = '{ subscribers(filter: { search: "a\\u0000" }) { totalCount } }';
    expectRefused(await postJson(JSON.stringify({ query: literal })), 400, "BAD_USER_INPUT", /NUL/);
  });

  it("refuses a NUL in a mutation's literal input, and stores nothing", async () => {
    const answer = await postJson(
      JSON.stringify({
        query:
          'mutation { createSubscriber(input: { email: "n\\u0000l@x.example" }) { __typename } }',
      }),
    );
    expectRefused(answer, 400, "BAD_USER_INPUT", /NUL/);
    expect(await subscriberCount()).toBe(0);
  });

  it("refuses a lone surrogate, which would be stored as U+FFFD", async () => {
    const answer = await postJson(
      `{"query":${JSON.stringify(CREATE)},"variables":{"input":{"email":"a\\udc00@x.example"}}}`,
    );
    expectRefused(answer, 400, "BAD_USER_INPUT", /UTF-8/);
    expect(await subscriberCount()).toBe(0);
  });

  it("refuses a body whose bytes are not UTF-8", async () => {
    const head = Buffer.from(
      JSON.stringify({ query: CREATE, variables: { input: { email: "XX@x.example" } } }),
    );
    const body = Buffer.from(head.toString().replace("XX", "\u0001\u0001"));
    body[body.indexOf(1)] = 0xff;
    body[body.indexOf(1)] = 0xfe;
    const answer = await send({
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expectRefused(answer, 400, "BAD_REQUEST", /UTF-8/);
    expect(await subscriberCount()).toBe(0);
  });

  it("refuses %00 and %FF in a GET query string", async () => {
    const query = encodeURIComponent(
      "query($s: String) { blocklist(filter: { search: $s }) { totalCount } }",
    );
    for (const variables of ["%7B%22s%22%3A%22%00%22%7D", "%7B%22s%22%3A%22%FF%22%7D"]) {
      const answer = await send({
        url: `${gateway.url}/graphql?query=${query}&variables=${variables}`,
      });
      expectRefused(answer, 400, "BAD_USER_INPUT", /variables must/);
    }
    // The JSON escape, valid in the URL and in JSON, decodes to a NUL all the same.
    const escaped = encodeURIComponent(JSON.stringify({ s: "\u0000" }));
    const answer = await send({
      url: `${gateway.url}/graphql?query=${query}&variables=${escaped}`,
    });
    expectRefused(answer, 400, "BAD_USER_INPUT", /\$s must not contain a NUL/);
  });

  it("refuses a global id that decodes to a NUL", async () => {
    const id = encodeGlobalID("Subscriber", "\u0000");
    const answer = await postJson(
      JSON.stringify({ query: "query($id: ID!) { node(id: $id) { id } }", variables: { id } }),
    );
    expect(answer.status).toBeLessThan(500);
    expect(answer.body.errors[0].extensions.code, answer.text).toBe("BAD_USER_INPUT");
  });
});

describe("requests yoga would answer without GraphQL's format", () => {
  it("refuses broken variables JSON in a GET with a 400", async () => {
    const query = encodeURIComponent("{ __typename }");
    for (const variables of ["%7B", "42", "%5B%5D"]) {
      const answer = await send({
        url: `${gateway.url}/graphql?query=${query}&variables=${variables}`,
      });
      expectRefused(answer, 400, "BAD_REQUEST", /^variables /);
    }
  });

  it("answers PUT with 405 and Allow: GET, POST", async () => {
    for (const method of ["PUT", "DELETE", "PATCH"]) {
      const answer = await send({
        method,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      expectRefused(answer, 405, "METHOD_NOT_ALLOWED");
      expect(answer.headers.get("allow")).toBe("GET, POST");
    }
  });

  it("answers a POST of text/plain or application/xml with a 415 in GraphQL's format", async () => {
    for (const type of ["text/plain", "application/xml"]) {
      const answer = await send({
        method: "POST",
        headers: { "content-type": type },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      expectRefused(answer, 415, "UNSUPPORTED_MEDIA_TYPE", /application\/json/);
    }
  });

  it("still answers the requests it should", async () => {
    const query = encodeURIComponent(
      "query($s: String) { blocklist(filter: { search: $s }) { totalCount } }",
    );
    const variables = encodeURIComponent(JSON.stringify({ s: "é" }));
    const get = await send({ url: `${gateway.url}/graphql?query=${query}&variables=${variables}` });
    expect(get.status, get.text).toBe(200);
    expect(get.body).toEqual({ data: { blocklist: { totalCount: 0 } } });
    const post = await postJson(
      JSON.stringify({ query: CREATE, variables: { input: { email: "émile@x.example" } } }),
    );
    expect(post.body, post.text).toEqual({
      data: { createSubscriber: { __typename: "CreateSubscriberPayload" } },
    });
  });
});

describe("uploads", () => {
  it("refuses a file name with a NUL, and stores no import", async () => {
    const form = new FormData();
    form.set(
      "operations",
      JSON.stringify({
        query:
          "mutation($input: ImportSubscribersInput!) { importSubscribers(input: $input) { __typename ... on Error { message } } }",
        variables: { input: { file: null } },
      }),
    );
    form.set("map", JSON.stringify({ 0: ["variables.input.file"] }));
    form.set("0", new Blob(["email\na@x.example\n"], { type: "text/csv" }), "pe\u0000ople.csv");
    const answer = await send({ method: "POST", body: form });
    expect(answer.status, answer.text).toBeLessThan(500);
    expect(answer.text).toMatch(/NUL/);
    const imports = await gateway.database.db.selectFrom("imports").select("id").execute();
    expect(imports).toEqual([]);
  });
});
