import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { expectError, MANY, post, SINGLE, snapshot } from "./fixtures.js";

// Text botamp cannot store: a NUL (the JSON escape `\u0000`, valid JSON), a lone surrogate, or
// bytes that are not UTF-8. The single upsert used to answer 500 (the NUL reached Postgres) and
// the batch silently stored `strip\u0000me@x.example` as `stripme@x.example`: both now refuse the
// whole request with a 400 naming each field, and nothing is written, not even an import.

let gateway: TestGateway;
let account: { id: string; key: string };
beforeAll(async () => {
  gateway = await startTestGateway();
  account = await gateway.account("text");
});
afterAll(() => gateway.close());

function notUtf8(json: string): Buffer {
  const bytes = Buffer.from(json);
  bytes[bytes.indexOf("~")] = 0xff;
  return bytes;
}

async function postBytes(path: string, body: Buffer) {
  const response = await fetch(`${gateway.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${account.key}` },
    body: new Uint8Array(body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

describe("create_or_update", () => {
  it("refuses a NUL in the email or any other field, naming each, and stores nothing", async () => {
    const before = await snapshot(gateway, account.id);
    const reply = await post(
      gateway,
      SINGLE,
      {
        subscriber: {
          email: "a\u0000b@x.example",
          name: "Ada\u0000",
          tags: ["ok", "v\u0000ip"],
        },
      },
      account.key,
    );
    expectError(reply, 400, "invalid_request", "subscriber.email");
    expect(reply.body.error.details).toEqual([
      { field: "subscriber.email", message: expect.stringMatching(/NUL/) },
      { field: "subscriber.name", message: expect.stringMatching(/NUL/) },
      { field: "subscriber.tags[1]", message: expect.stringMatching(/NUL/) },
    ]);
    expect(await snapshot(gateway, account.id)).toEqual(before);
  });

  it("refuses a lone surrogate and a body that is not UTF-8", async () => {
    const before = await snapshot(gateway, account.id);
    const surrogate = await post(
      gateway,
      SINGLE,
      '{"subscriber":{"email":"a\\ud800@x.example"}}',
      account.key,
    );
    expectError(surrogate, 400, "invalid_request", "subscriber.email");
    const bytes = await postBytes(SINGLE, notUtf8('{"subscriber":{"email":"~a@x.example"}}'));
    expectError(bytes, 400, "invalid_json");
    expect(bytes.body.error.message).toMatch(/UTF-8/);
    expect(await snapshot(gateway, account.id)).toEqual(before);
  });
});

describe("create_or_update_many", () => {
  it("refuses a NUL in any row instead of storing another address", async () => {
    const before = await snapshot(gateway, account.id);
    const reply = await post(
      gateway,
      MANY,
      {
        subscribers: [
          { email: "fine@x.example" },
          { email: "strip\u0000me@x.example" },
          { email: "also@x.example", country: "N\u0000L" },
        ],
      },
      account.key,
    );
    expectError(reply, 400, "invalid_request");
    expect(reply.body.error.details).toEqual([
      { field: "subscribers[1].email", message: expect.stringMatching(/NUL/) },
      { field: "subscribers[2].country", message: expect.stringMatching(/NUL/) },
    ]);
    // No import, no subscriber: not stripme@x.example, not even fine@x.example.
    expect(await snapshot(gateway, account.id)).toEqual(before);
  });

  it("refuses a batch whose bytes are not UTF-8", async () => {
    const before = await snapshot(gateway, account.id);
    const reply = await postBytes(MANY, notUtf8('{"subscribers":[{"email":"~a@x.example"}]}'));
    expectError(reply, 400, "invalid_json");
    expect(await snapshot(gateway, account.id)).toEqual(before);
  });
});

it("refuses a repeated or bracketed query parameter", async () => {
  for (const query of ["?a=1&a=2", "?a[]=1"]) {
    const reply = await post(
      gateway,
      `${SINGLE}${query}`,
      { subscriber: { email: "q@x.example" } },
      account.key,
    );
    expectError(reply, 400, "invalid_request", "a");
  }
  expect((await snapshot(gateway, account.id)).subscribers).toEqual([]);
});
