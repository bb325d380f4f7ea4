import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { post, SINGLE, snapshot } from "./fixtures.js";

// create_or_update's 400 lists every problem of the subscriber at once (its README promises
// it), over-long values included, and a refused call writes nothing.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

const fieldsOf = (body: { error: { details?: { field: string }[] } }) =>
  body.error.details?.map((detail) => detail.field);

describe("botamp create_or_update: every problem in one 400", () => {
  it("reports a bad birthday and a long tag together, and writes nothing", async () => {
    const { key, id } = await gateway.account("botamp-all-problems");
    const before = await snapshot(gateway, id);
    const response = await post(
      gateway,
      SINGLE,
      { subscriber: { email: "ok@example.com", birthday: "1990-02-30", tags: ["x".repeat(101)] } },
      key,
    );
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("invalid_request");
    expect(fieldsOf(response.body)).toEqual(["subscriber.birthday", "subscriber.tags[0]"]);
    expect(await snapshot(gateway, id)).toEqual(before);
  });

  it("reports a long email, name, address and birthday in one answer", async () => {
    const { key, id } = await gateway.account("botamp-bounds");
    const before = await snapshot(gateway, id);
    const response = await post(
      gateway,
      SINGLE,
      {
        subscriber: {
          email: `${"a".repeat(300)}@example.com`,
          name: "n".repeat(300),
          address: "x".repeat(1_001),
          birthday: "b".repeat(100_000),
        },
      },
      key,
    );
    expect(response.status).toBe(400);
    expect(fieldsOf(response.body)).toEqual([
      "subscriber.email",
      "subscriber.name",
      "subscriber.address",
      "subscriber.birthday",
    ]);
    expect(response.body.error.details[0].message).toBe("may be at most 254 characters");
    // Values are not echoed whole: the answer stays small.
    expect(JSON.stringify(response.body).length).toBeLessThan(1_000);
    expect(await snapshot(gateway, id)).toEqual(before);
  });
});
