import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createField } from "../../graphql/subscribers-fixtures.js";
import type { TestGateway } from "../../helpers/server.js";
import { startTestGateway } from "../../helpers/server.js";
import { audienceClient, expectError } from "./helpers.js";

// POST contact with a value nested 5,000 levels deep used to write the valid contacts, queue
// their import, and then fail with a 500 while echoing the deep one back. Now the request is
// refused before anything is written; over-long values are per-contact reasons.

let gateway: TestGateway;
let client: ReturnType<typeof audienceClient>;
beforeAll(async () => {
  gateway = await startTestGateway();
  client = audienceClient(gateway);
});
afterAll(() => gateway.close());

async function written(accountId: string) {
  const { db } = gateway.database;
  const count = async (table: "subscribers" | "imports") => {
    const { n } = await db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("account_id", "=", accountId)
      .executeTakeFirstOrThrow();
    return Number(n);
  };
  const { n: jobs } = await db
    .selectFrom("graphile_worker.jobs" as "subscribers")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  return { subscribers: await count("subscribers"), imports: await count("imports"), jobs };
}

const deep = (levels: number) => `${"[".repeat(levels)}"x"${"]".repeat(levels)}`;

describe("POST contact: nesting and lengths", () => {
  it("refuses a contact nested 5,000 levels deep with a 400 and writes nothing", async () => {
    const { sid, key, id } = await gateway.account("deep");
    const before = await written(id);
    // Written by hand: JSON.stringify itself cannot go 5,000 levels deep.
    const body = `{"data":[{"email":"fine@example.com"},{"email":"deep@example.com","x":${deep(5_000)}}]}`;
    const answer = await client.post(sid, key, body);
    expectError(answer, 400, "VALIDATION_ERROR", /data\.1 nests deeper than 32 levels/);
    expect(answer.body.error.details).toEqual([
      { field: "data.1", message: "nests deeper than 32 levels" },
    ]);
    expect(answer.headers.get("x-import-id")).toBeNull();
    expect(await written(id)).toEqual(before);
  });

  it("refuses deep custom values the same way, and answers shallow ones as bad values", async () => {
    const { sid, key, id } = await gateway.account("deep-custom");
    await createField(gateway, key, { name: "city", type: "STRING" });
    const before = await written(id);
    const tooDeep = await client.post(
      sid,
      key,
      `{"data":[{"email":"a@example.com","custom_fields":{"city":${deep(40)}}}]}`,
    );
    expectError(tooDeep, 400, "VALIDATION_ERROR");
    expect(await written(id)).toEqual(before);

    const shallow = await client.post(sid, key, {
      data: [{ email: "a@example.com", custom_fields: { city: [["x"]] } }],
    });
    expect(shallow.status, shallow.text).toBe(202);
    expect(shallow.body.data.invalid_contacts[0].string).toBe(
      'Invalid value for custom field "city": must be a string',
    );
    expect(await written(id)).toEqual(before);
  });

  it("answers over-long values as invalid contacts and queues nothing for them", async () => {
    const { sid, key, id } = await gateway.account("long");
    await createField(gateway, key, { name: "notes", type: "STRING" });
    const before = await written(id);
    const answer = await client.post(sid, key, {
      data: [
        { email: `${"a".repeat(300)}@example.com` },
        { email: "b@example.com", last_name: "l".repeat(256) },
        { email: "c@example.com", custom_fields: { notes: "n".repeat(4_001) } },
      ],
    });
    expect(answer.status, answer.text).toBe(202);
    expect(answer.body.data.invalid_contacts.map((c: { string: string }) => c.string)).toEqual([
      "Email may be at most 254 characters",
      "last_name may be at most 255 characters",
      'Invalid value for custom field "notes": may be at most 4,000 characters',
    ]);
    expect(answer.body.data.total_valid).toBe(0);
    expect(await written(id)).toEqual(before);
  });

  it("gives a contact with several problems every one of them in its reason", async () => {
    const { sid, key, id } = await gateway.account("every-reason");
    await createField(gateway, key, { name: "age", type: "NUMBER" });
    await createField(gateway, key, { name: "city", type: "STRING", required: true });
    const before = await written(id);
    const answer = await client.post(sid, key, {
      data: [{ email: "nope", first_name: "f".repeat(256), custom_fields: { age: "old" } }],
    });
    expect(answer.status, answer.text).toBe(202);
    expect(answer.body.data.invalid_contacts[0].string).toBe(
      [
        'Invalid email: "nope"',
        "first_name may be at most 255 characters",
        'Invalid value for custom field "age": "old" is not a number',
        'Custom field "city" is required',
      ].join("; "),
    );
    expect(await written(id)).toEqual(before);
  });
});
