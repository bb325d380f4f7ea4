import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";

// The platform's refusals on every list and every JSON write, in botbat's envelope, each leaving
// nothing behind: a body over the limit (413), a body that is not JSON (400), `limit` out of
// range (422 on `limit`), a cursor this server did not make (400).

let gateway: TestGateway;
let key: string;
beforeAll(async () => {
  gateway = await startTestGateway();
  ({ key } = await gateway.account("bad-input"));
});
afterAll(async () => {
  await gateway?.close();
});

async function call(method: string, path: string, body?: string, type = "application/json") {
  const response = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": type },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function stored(): Promise<{ contacts: number; webhooks: number }> {
  const count = async (table: "subscribers" | "webhooks") =>
    Number(
      (
        await gateway.database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { contacts: await count("subscribers"), webhooks: await count("webhooks") };
}

describe.each([
  ["contacts", { email: "big@example.com", first_name: "x".repeat(2 * 1024 * 1024) }],
  ["webhooks", { url: "https://hooks.example.com/x".padEnd(2 * 1024 * 1024, "x"), events: [] }],
])("/v1/%s", (resource, huge) => {
  it("refuses a body over 1 MB with 413 payload_too_large, storing nothing", async () => {
    const before = await stored();
    const answer = await call("POST", `/v1/${resource}`, JSON.stringify(huge));
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({
      error: { code: "payload_too_large", message: "the request body may be at most 1 MB" },
    });
    expect(await stored()).toEqual(before);
  });

  it("refuses a body that is not JSON with 400 invalid_request, storing nothing", async () => {
    const before = await stored();
    for (const [body, type] of [
      ['{"email":', "application/json"],
      ["email=a@example.com", "application/x-www-form-urlencoded"],
    ] as const) {
      const answer = await call("POST", `/v1/${resource}`, body, type);
      expect(answer.status, body).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: "invalid_request" } });
    }
    expect(await stored()).toEqual(before);
  });

  it("refuses limit 0 and 1,000 with 422 on `limit`, and a made-up cursor with 400", async () => {
    for (const limit of ["0", "1000", "abc"]) {
      const answer = await call("GET", `/v1/${resource}?limit=${limit}`);
      expect(answer.status, limit).toBe(422);
      expect(answer.body).toMatchObject({
        error: { code: "validation_error", details: [{ field: "limit" }] },
      });
    }
    for (const cursor of ["nonsense", Buffer.from("[9,1]").toString("base64url"), "%00"]) {
      const answer = await call("GET", `/v1/${resource}?cursor=${cursor}`);
      expect(answer.status, cursor).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: "invalid_request" } });
    }
    const fine = await call("GET", `/v1/${resource}?limit=100`);
    expect(fine.status).toBe(200);
    expect(fine.body).toMatchObject({ data: [], cursor: null, total: 0 });
  });
});
