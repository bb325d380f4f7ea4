import { encodeGlobalID } from "@pothos/plugin-relay";
import type { Runner } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestGateway } from "../../helpers/server.js";
import { startTestGateway } from "../../helpers/server.js";
import { startTestWorker, waitForImport } from "../../imports/fixtures.js";
import { type Answer, audienceClient, expectError, expectTagError } from "./helpers.js";

// Text the audience dialect cannot store, and parameters given twice. A NUL or `%FF` in the path
// or query, `page=1&page=2`: a 400 in the endpoint's envelope (they answered 500, or 200 with one
// of the two pages). In POST contact: a NUL in `list_id` or a tag id refuses the request (it
// answered 500); in a contact it makes that contact invalid with its reason, as a bad email does,
// where the batch used to store `strip\u0000me@x.example` as `stripme@x.example`.

let gateway: TestGateway;
let worker: Runner;
let client: ReturnType<typeof audienceClient>;
let account: { id: string; sid: string; key: string };
beforeAll(async () => {
  gateway = await startTestGateway();
  worker = await startTestWorker(gateway);
  client = audienceClient(gateway);
  account = await gateway.account("text");
});
afterAll(async () => {
  await worker.stop();
  await gateway.close();
});

async function get(pathAndQuery: string): Promise<Answer> {
  const response = await fetch(`${gateway.url}/audience/v1/${pathAndQuery}`, {
    headers: { "api-key": account.key },
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
}

async function postBytes(body: Buffer): Promise<Answer> {
  const response = await fetch(`${gateway.url}/audience/v1/${account.sid}/contact`, {
    method: "POST",
    headers: { "content-type": "application/json", "api-key": account.key },
    body: new Uint8Array(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
}

async function state() {
  const db = gateway.database.db;
  return {
    subscribers: await db.selectFrom("subscribers").select("email").orderBy("id").execute(),
    imports: await db.selectFrom("imports").select("id").execute(),
  };
}

describe("GET list, custom-field, tag", () => {
  it("refuses a NUL or invalid UTF-8 in the query", async () => {
    for (const endpoint of ["list", "custom-field"]) {
      const nul = await get(`${account.sid}/${endpoint}?name=%00`);
      expectError(nul, 400, "VALIDATION_ERROR", /name must not contain a NUL/);
      expect(nul.body.error.details).toEqual([{ field: "name", message: expect.any(String) }]);
      expectError(
        await get(`${account.sid}/${endpoint}?name=%FF`),
        400,
        "VALIDATION_ERROR",
        /UTF-8/,
      );
    }
    const tag = await get(`${account.sid}/tag?name=a%00`);
    expectTagError(tag, 400, "VALIDATION_ERROR");
  });

  it("refuses a NUL or invalid UTF-8 in the path", async () => {
    expectError(await get(`${account.sid}%00/list`), 400, "VALIDATION_ERROR", /path/);
    expectError(await get(`${account.sid}%FF/list`), 400, "VALIDATION_ERROR", /path/);
  });

  it("refuses page=1&page=2 and pageSize[]=1, as its README promises", async () => {
    const twice = await get(`${account.sid}/list?page=1&page=2`);
    expectError(twice, 400, "VALIDATION_ERROR", /page must be given once/);
    expect(twice.body.error.details).toEqual([{ field: "page", message: "must be given once" }]);
    expectError(
      await get(`${account.sid}/custom-field?pageSize[]=1`),
      400,
      "VALIDATION_ERROR",
      /pageSize/,
    );
    expectTagError(await get(`${account.sid}/tag?status=1&status=2`), 400, "VALIDATION_ERROR");
    expect((await get(`${account.sid}/list?page=1`)).status).toBe(200);
  });
});

describe("POST contact", () => {
  it("refuses a NUL in list_id or in a tag id, writing nothing", async () => {
    const before = await state();
    const list = await client.post(account.sid, account.key, {
      data: [{ email: "fine@x.example" }],
      list_id: "\u0000",
    });
    expectError(list, 400, "VALIDATION_ERROR", /list_id must not contain a NUL/);
    const tags = await client.post(account.sid, account.key, {
      data: [{ email: "fine@x.example" }],
      tags: ["a\u0000"],
    });
    expectError(tags, 400, "VALIDATION_ERROR");
    expect(tags.body.error.details).toEqual([{ field: "tags.0", message: expect.any(String) }]);
    expect(await state()).toEqual(before);
  });

  it("refuses a body that is not UTF-8, writing nothing", async () => {
    const before = await state();
    const bytes = Buffer.from('{"data":[{"email":"~a@x.example"}]}');
    bytes[bytes.indexOf("~")] = 0xff;
    expectError(await postBytes(bytes), 400, "MALFORMED_JSON", /UTF-8/);
    expect(await state()).toEqual(before);
  });

  it("makes a contact with a NUL invalid, imports the others, and never stores another address", async () => {
    const sent = [
      { email: "strip\u0000me@x.example" },
      { email: "kept@x.example", first_name: "Kept" },
      { email: "named@x.example", first_name: "Na\u0000me" },
      { email: "surrogate@x.example", custom_fields: { "no\ud800": "x" } },
    ];
    const answer = await client.post(account.sid, account.key, { data: sent });
    expect(answer.status, answer.text).toBe(202);
    expect(answer.body.data).toEqual({
      invalid_contacts: [
        { ...sent[0], string: "email must not contain a NUL character (\\u0000)" },
        { ...sent[2], string: "first_name must not contain a NUL character (\\u0000)" },
        { ...sent[3], string: expect.stringMatching(/^custom_fields\.no.* must be valid UTF-8/) },
      ],
      total_invalid: 3,
      total_valid: 1,
      valid_contacts: [sent[1]],
    });
    const importId = answer.headers.get("x-import-id") as string;
    const done = await waitForImport(gateway, account.key, encodeGlobalID("Import", importId));
    expect(done.status).toBe("COMPLETED");
    const emails = (await state()).subscribers.map((row) => row.email);
    expect(emails).toEqual(["kept@x.example"]);
  });
});
