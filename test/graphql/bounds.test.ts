import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";
import { createField, mutate, snapshot } from "./subscribers-fixtures.js";

// Over-long strings and deeply nested JSON values: each is a ValidationError naming every bad
// field at once (or BAD_USER_INPUT for a JSON value no field could hold), and nothing is written.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

const paths = (issues: { path: string[] }[] | undefined) =>
  issues?.map((issue) => issue.path.join("."));

/** An address of `length` characters that is fine in every other way. */
const emailOf = (length: number) => `${"a".repeat(60)}@${"b".repeat(length - 73)}.example.com`;

async function count(table: "blocklist" | "campaigns", accountId: string): Promise<number> {
  const { n } = await gateway.database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("account_id", "=", accountId)
    .executeTakeFirstOrThrow();
  return Number(n);
}

describe("GraphQL: strings are bounded", () => {
  it("refuses a subscriber's over-long email, names and custom text in one ValidationError", async () => {
    const { key, id } = await gateway.account("subscriber-bounds");
    const notes = await createField(gateway, key, { name: "notes", type: "STRING" });
    const before = await snapshot(gateway, id);
    expect(emailOf(254)).toHaveLength(254);
    const result = await mutate(
      gateway,
      key,
      "createSubscriber",
      {
        email: emailOf(255),
        firstName: "x".repeat(256),
        address: "x".repeat(1_001),
        customValues: [{ fieldId: notes.id, value: "x".repeat(4_001) }],
      },
      "subscriber { id }",
    );
    expect(result.__typename).toBe("ValidationError");
    expect(paths(result.issues)).toEqual([
      "input.email",
      "input.firstName",
      "input.address",
      "input.customValues.notes",
    ]);
    expect(result.issues?.[0].message).toBe("may be at most 254 characters");
    expect(result.issues?.[3].message).toBe("may be at most 4,000 characters");
    expect(await snapshot(gateway, id)).toEqual(before);

    // At the bounds, the same values are stored.
    const fits = await mutate(
      gateway,
      key,
      "createSubscriber",
      {
        email: emailOf(254),
        firstName: "x".repeat(255),
        address: "x".repeat(1_000),
        customValues: [{ fieldId: notes.id, value: "x".repeat(4_000) }],
      },
      "subscriber { email }",
    );
    expect(fits.__typename).toBe("CreateSubscriberPayload");
  });

  it("refuses a 300 kB blocklist address and a long reason, and lists nothing", async () => {
    const { key, id } = await gateway.account("blocklist-bounds");
    const result = await mutate(
      gateway,
      key,
      "addToBlocklist",
      { email: `${"a".repeat(300_000)}@example.com`, reason: "r".repeat(2_001) },
      "blocklistEntry { id }",
    );
    expect(result.__typename).toBe("ValidationError");
    expect(paths(result.issues)).toEqual(["input.email", "input.reason"]);
    // The message does not echo 300 kB back.
    expect(JSON.stringify(result).length).toBeLessThan(1_000);
    expect(await count("blocklist", id)).toBe(0);
  });

  it("refuses a campaign's long name, subject and body together", async () => {
    const { key, id } = await gateway.account("campaign-bounds");
    const result = await mutate(
      gateway,
      key,
      "createCampaign",
      { name: "n".repeat(201), subject: "s".repeat(999), body: "b".repeat(500_001) },
      "campaign { id }",
    );
    expect(result.__typename).toBe("ValidationError");
    expect(paths(result.issues)).toEqual(["input.name", "input.subject", "input.body"]);
    expect(await count("campaigns", id)).toBe(0);
  });

  it("refuses a dropdown option longer than 255 characters", async () => {
    const { key, id } = await gateway.account("option-bounds");
    const before = await snapshot(gateway, id);
    const result = await mutate(
      gateway,
      key,
      "createCustomField",
      { name: "size", type: "DROPDOWN", options: ["S", "x".repeat(256)] },
      "customField { id }",
    );
    expect(result.__typename).toBe("ValidationError");
    expect(paths(result.issues)).toEqual(["input.options.1"]);
    expect(await snapshot(gateway, id)).toEqual(before);
  });
});

describe("GraphQL: every problem at once", () => {
  it("lists a bad email's row's other problems and the other rows' in one upsert", async () => {
    const { key, id } = await gateway.account("upsert-all-problems");
    const before = await snapshot(gateway, id);
    const result = await mutate(
      gateway,
      key,
      "upsertSubscribers",
      {
        subscribers: [
          { email: "nope", birthday: "2023-02-30", lastName: "l".repeat(256) },
          { email: "fine@example.com", firstName: "f".repeat(256) },
          { email: "FINE@example.com" },
        ],
      },
      "createdCount",
    );
    expect(result.__typename).toBe("ValidationError");
    expect(paths(result.issues)).toEqual([
      "input.subscribers.0.email",
      "input.subscribers.0.lastName",
      "input.subscribers.0.birthday",
      "input.subscribers.1.firstName",
      "input.subscribers.2.email",
    ]);
    expect(await snapshot(gateway, id)).toEqual(before);
  });
});

describe("GraphQL: an API key's label is bounded", () => {
  it("refuses a 100 kB label, which used to fail in its unique index, and issues no key", async () => {
    const { key, id } = await gateway.account("label-bounds");
    const keys = async () =>
      (
        await gateway.database.db
          .selectFrom("api_keys")
          .select("id")
          .where("account_id", "=", id)
          .execute()
      ).length;
    const before = await keys();
    const result = await mutate(
      gateway,
      key,
      "createApiKey",
      { label: "l".repeat(100_000) },
      "secret",
    );
    expect(result.__typename).toBe("ValidationError");
    expect(result.issues).toEqual([
      { path: ["input", "label"], message: "label may be at most 255 characters" },
    ]);
    expect(await keys()).toBe(before);
  });
});

describe("GraphQL: JSON values are bounded in depth", () => {
  const CREATE = `mutation($input: CreateSubscriberInput!) { createSubscriber(input: $input) {
    __typename ... on ValidationError { issues { path message } } } }`;

  it("answers BAD_USER_INPUT to a custom value nested 5,000 levels deep in a variable", async () => {
    const { key, id } = await gateway.account("deep-variable");
    const notes = await createField(gateway, key, { name: "notes", type: "STRING" });
    const before = await snapshot(gateway, id);
    // Written by hand: JSON.stringify itself cannot go 5,000 levels deep.
    const body = `{"query":${JSON.stringify(CREATE)},"variables":{"input":{"email":"deep@example.com","customValues":[{"fieldId":${JSON.stringify(notes.id)},"value":${"[".repeat(5_000)}"x"${"]".repeat(5_000)}}]}}}`;
    const response = await fetch(`${gateway.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body,
    });
    const answer = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(response.status).toBe(400);
    expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
    expect(await snapshot(gateway, id)).toEqual(before);
  });

  it("answers BAD_USER_INPUT to a nested literal, and a ValidationError to a shallow array", async () => {
    const { key, id } = await gateway.account("deep-literal");
    const notes = await createField(gateway, key, { name: "notes", type: "NUMBER" });
    const before = await snapshot(gateway, id);
    const literal = `${"[".repeat(40)}1${"]".repeat(40)}`;
    const deep = await gateway.graphql(
      `mutation { createSubscriber(input: { email: "lit@example.com", customValues: [
        { fieldId: "${notes.id}", value: ${literal} }] }) { __typename } }`,
      {},
      key,
    );
    expect(deep.errors?.map((error) => error.extensions?.code)).toEqual(["BAD_USER_INPUT"]);

    const shallow = await gateway.graphql<{
      createSubscriber: { __typename: string; issues: { path: string[]; message: string }[] };
    }>(
      CREATE,
      {
        input: { email: "arr@example.com", customValues: [{ fieldId: notes.id, value: [[1]] }] },
      },
      key,
    );
    expect(shallow.data?.createSubscriber.__typename).toBe("ValidationError");
    expect(shallow.data?.createSubscriber.issues).toEqual([
      { path: ["input", "customValues", "notes"], message: "must be a number" },
    ]);
    expect(await snapshot(gateway, id)).toEqual(before);
  });
});
