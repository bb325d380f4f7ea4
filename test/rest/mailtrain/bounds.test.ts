import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { graphqlList, type MailtrainClient, mailtrain } from "./client.js";

// Over-long values get Mailtrain's 400 envelope, every problem in its one message, and nothing
// is written: a 1 MB EMAIL used to reach the blocklist's index and fail with a 500.

let gateway: TestGateway;
let api: MailtrainClient;
let accountId: string;
let cid: string;

beforeAll(async () => {
  gateway = await startTestGateway();
  const account = await gateway.account("mailtrain-bounds");
  accountId = account.id;
  api = mailtrain(gateway, account.key);
  cid = (await graphqlList(gateway, account.key, "news")).cid;
  const field = await api.post(`/api/field/${cid}`, { NAME: "Notes", TYPE: "text" });
  expect(field.status).toBe(200);
});
afterAll(() => gateway.close());

async function rows(table: "blocklist" | "subscribers" | "custom_fields"): Promise<number> {
  const { n } = await gateway.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("account_id", "=", accountId)
    .executeTakeFirstOrThrow();
  return Number(n);
}

describe("mailtrain: strings are bounded", () => {
  it("answers blacklist/add with a 1 MB EMAIL with a 400, form or JSON, and lists nothing", async () => {
    const email = `${"a".repeat(1024 * 1024)}@example.com`;
    for (const kind of ["form", "json"] as const) {
      const reply = await api.post("/api/blacklist/add", { EMAIL: email }, kind);
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ error: "EMAIL may be at most 254 characters", data: [] });
    }
    expect(await rows("blocklist")).toBe(0);
    // Any text up to an address's length is still listed, as Mailtrain did.
    const fits = await api.post("/api/blacklist/add", { EMAIL: "x".repeat(254) });
    expect(fits).toMatchObject({ status: 200, body: { data: [] } });
    expect(await rows("blocklist")).toBe(1);
  });

  it("refuses a subscribe with a long email, first name and custom value, naming each", async () => {
    const reply = await api.post(`/api/subscribe/${cid}`, {
      EMAIL: `${"a".repeat(300)}@example.com`,
      FIRST_NAME: "f".repeat(256),
      MERGE_NOTES: "n".repeat(4_001),
    });
    expect(reply.status).toBe(400);
    const parts = String(reply.body.error).split("; ");
    expect(parts, reply.body.error).toHaveLength(3);
    expect(parts[0]).toMatch(/^Invalid email address "a{60}…"\.$/);
    expect(parts[1]).toBe("FIRST_NAME may be at most 255 characters");
    expect(parts[2]).toBe("MERGE_NOTES: may be at most 4,000 characters");
    expect(await rows("subscribers")).toBe(0);
  });

  it("refuses a field with a long description", async () => {
    const before = await rows("custom_fields");
    const reply = await api.post(`/api/field/${cid}`, {
      NAME: "Bio",
      TYPE: "text",
      DESCRIPTION: "d".repeat(2_001),
    });
    expect(reply).toMatchObject({
      status: 400,
      body: { error: "DESCRIPTION may be at most 2,000 characters", data: [] },
    });
    expect(await rows("custom_fields")).toBe(before);
  });
});
