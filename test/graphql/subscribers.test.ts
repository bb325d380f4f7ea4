import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";
import {
  createSubscriber,
  mutate,
  ok,
  SUBSCRIBER,
  type SubscriberShape,
  snapshot,
} from "./subscribers-fixtures.js";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

const PAYLOAD = `subscriber { ${SUBSCRIBER} }`;

describe("creating, reading, changing and deleting a subscriber", () => {
  it("creates a subscriber with its profile and reads it back as a node", async () => {
    const { key } = await gateway.account("crud");
    const created = await createSubscriber(gateway, key, {
      email: "  Ann@Example.com ",
      firstName: "Ann",
      lastName: "Lee",
      phone: "+33 6 12 34 56 78",
      timezone: "Europe/Paris",
      jobTitle: "CTO",
      company: "Acme",
      country: "FR",
      address: "1 rue de la Paix",
      website: "https://acme.example",
      postalCode: "75002",
      birthday: "1990-02-28",
    });
    expect(created).toMatchObject({
      email: "Ann@Example.com",
      firstName: "Ann",
      lastName: "Lee",
      jobTitle: "CTO",
      postalCode: "75002",
      birthday: "1990-02-28",
      status: "ACTIVE",
      tags: [],
      customValues: [],
    });
    expect(created.createdAt).toMatch(/Z$/);

    const read = await gateway.graphql<{ node: SubscriberShape }>(
      `query($id: ID!) { node(id: $id) { ... on Subscriber { ${SUBSCRIBER} } } }`,
      { id: created.id },
      key,
    );
    expect(read.data?.node).toEqual(created);
  });

  it("changes only the fields sent, and null clears an optional one", async () => {
    const { key } = await gateway.account("update");
    const created = await createSubscriber(gateway, key, {
      email: "bob@example.com",
      firstName: "Bob",
      lastName: "Stone",
      company: "Initech",
    });
    const { subscriber } = await ok<{ subscriber: SubscriberShape }>(
      gateway,
      key,
      "updateSubscriber",
      { id: created.id, lastName: null, status: "UNSUBSCRIBED", birthday: "2000-01-31" },
      PAYLOAD,
    );
    expect(subscriber).toMatchObject({
      email: "bob@example.com",
      firstName: "Bob",
      lastName: null,
      company: "Initech",
      status: "UNSUBSCRIBED",
      birthday: "2000-01-31",
    });
    expect(Date.parse(subscriber.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));

    const renamed = await ok<{ subscriber: SubscriberShape }>(
      gateway,
      key,
      "updateSubscriber",
      { id: created.id, email: "Robert@example.com" },
      PAYLOAD,
    );
    expect(renamed.subscriber).toMatchObject({ email: "Robert@example.com", firstName: "Bob" });
  });

  it("deletes a subscriber, then answers NotFoundError for it", async () => {
    const { key } = await gateway.account("delete");
    const created = await createSubscriber(gateway, key, { email: "gone@example.com" });
    const deleted = await ok<{ deletedId: string }>(
      gateway,
      key,
      "deleteSubscriber",
      { id: created.id },
      "deletedId",
    );
    expect(deleted.deletedId).toBe(created.id);
    const again = await mutate(gateway, key, "deleteSubscriber", { id: created.id }, "deletedId");
    expect(again).toMatchObject({ __typename: "NotFoundError", resource: "Subscriber" });
    const node = await gateway.graphql<{ node: null }>(
      "query($id: ID!) { node(id: $id) { id } }",
      { id: created.id },
      key,
    );
    expect(node.data?.node).toBeNull();
  });
});

describe("bad input", () => {
  it("refuses an address that is not an email, with the path of the field", async () => {
    const { key, id } = await gateway.account("bad-email");
    const before = await snapshot(gateway, id);
    for (const email of ["not-an-email", "a@b", "two@@example.com", "   "]) {
      const result = await mutate(gateway, key, "createSubscriber", { email }, PAYLOAD);
      expect(result.__typename).toBe("ValidationError");
      expect(result.issues?.map((issue) => issue.path)).toEqual([["input", "email"]]);
    }
    expect(await snapshot(gateway, id)).toEqual(before);
  });

  it("refuses a duplicate email in any case with ConflictError, on create and update", async () => {
    const { key, id } = await gateway.account("duplicate");
    await createSubscriber(gateway, key, { email: "dup@example.com" });
    const other = await createSubscriber(gateway, key, { email: "other@example.com" });
    const before = await snapshot(gateway, id);

    const created = await mutate(
      gateway,
      key,
      "createSubscriber",
      { email: "DUP@example.COM" },
      PAYLOAD,
    );
    expect(created.__typename).toBe("ConflictError");
    expect(created.message).toContain("DUP@example.COM");

    const updated = await mutate(
      gateway,
      key,
      "updateSubscriber",
      { id: other.id, email: "Dup@Example.com", firstName: "Changed" },
      PAYLOAD,
    );
    expect(updated.__typename).toBe("ConflictError");
    expect(await snapshot(gateway, id)).toEqual(before);
  });

  it("lets two accounts have the same email", async () => {
    const first = await gateway.account("same-1");
    const second = await gateway.account("same-2");
    await createSubscriber(gateway, first.key, { email: "shared@example.com" });
    await createSubscriber(gateway, second.key, { email: "shared@example.com" });
  });

  it("refuses an impossible birthday, whatever the way it is wrong", async () => {
    const { key, id } = await gateway.account("birthday");
    const subscriber = await createSubscriber(gateway, key, { email: "bday@example.com" });
    const before = await snapshot(gateway, id);

    // Shaped like a date but not one: the domain refuses it with the path of the field.
    const impossible = await mutate(
      gateway,
      key,
      "updateSubscriber",
      { id: subscriber.id, birthday: "1990-02-30", firstName: "Never" },
      PAYLOAD,
    );
    expect(impossible.__typename).toBe("ValidationError");
    expect(impossible.issues).toEqual([
      { path: ["input", "birthday"], message: '"1990-02-30" is not a date (YYYY-MM-DD)' },
    ]);

    // Not shaped like a date at all: the Date scalar refuses it before any resolver runs.
    const malformed = await gateway.graphql(
      `mutation($input: CreateSubscriberInput!) { createSubscriber(input: $input) { __typename } }`,
      { input: { email: "x@example.com", birthday: "31/12/1990" } },
      key,
    );
    expect(malformed.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(await snapshot(gateway, id)).toEqual(before);
  });

  it("reports every bad field of one input at once", async () => {
    const { key } = await gateway.account("many-issues");
    const result = await mutate(
      gateway,
      key,
      "createSubscriber",
      { email: "nope", birthday: "2023-11-31", firstName: "x".repeat(1001) },
      PAYLOAD,
    );
    expect(result.__typename).toBe("ValidationError");
    expect(result.issues?.map((issue) => issue.path.join("."))).toEqual([
      "input.email",
      "input.firstName",
      "input.birthday",
    ]);
  });

  it("refuses to clear the email or the status of a subscriber", async () => {
    const { key } = await gateway.account("clear");
    const subscriber = await createSubscriber(gateway, key, { email: "keep@example.com" });
    const result = await mutate(
      gateway,
      key,
      "updateSubscriber",
      { id: subscriber.id, email: null, status: null },
      PAYLOAD,
    );
    expect(result.issues?.map((issue) => issue.path)).toEqual([
      ["input", "email"],
      ["input", "status"],
    ]);
  });

  it("refuses a wrong type or an unknown status before anything runs", async () => {
    const { key } = await gateway.account("types");
    const wrongType = await gateway.graphql(
      `mutation($input: CreateSubscriberInput!) { createSubscriber(input: $input) { __typename } }`,
      { input: { email: 42 } },
      key,
    );
    expect(wrongType.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const badStatus = await gateway.graphql(
      `mutation($input: CreateSubscriberInput!) { createSubscriber(input: $input) { __typename } }`,
      { input: { email: "s@example.com", status: "GONE" } },
      key,
    );
    expect(badStatus.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    const unknownField = await gateway.graphql(
      `mutation($input: CreateSubscriberInput!) { createSubscriber(input: $input) { __typename } }`,
      { input: { email: "s@example.com", nickname: "Sam" } },
      key,
    );
    expect(unknownField.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("accounts and scopes", () => {
  it("answers NotFoundError for another account's subscriber, and leaves it alone", async () => {
    const owner = await gateway.account("owner");
    const stranger = await gateway.account("stranger");
    const subscriber = await createSubscriber(gateway, owner.key, { email: "mine@example.com" });
    const before = await snapshot(gateway, owner.id);

    for (const [name, input] of [
      ["updateSubscriber", { id: subscriber.id, firstName: "Hacked" }],
      ["deleteSubscriber", { id: subscriber.id }],
    ] as const) {
      const result = await mutate(gateway, stranger.key, name, input, "__typename");
      expect(result).toMatchObject({ __typename: "NotFoundError", resource: "Subscriber" });
    }
    const node = await gateway.graphql<{ node: null }>(
      "query($id: ID!) { node(id: $id) { id } }",
      { id: subscriber.id },
      stranger.key,
    );
    expect(node.data?.node).toBeNull();
    const page = await gateway.graphql<{ subscribers: { totalCount: number } }>(
      "{ subscribers { totalCount } }",
      {},
      stranger.key,
    );
    expect(page.data?.subscribers.totalCount).toBe(0);
    expect(await snapshot(gateway, owner.id)).toEqual(before);
  });

  it("answers NotFoundError for an id that is not a subscriber's", async () => {
    const { key } = await gateway.account("bad-ids");
    for (const id of [
      "nonsense",
      Buffer.from("Tag:0123456789abcdef0123456789abcdef").toString("base64"),
    ]) {
      const result = await mutate(
        gateway,
        key,
        "updateSubscriber",
        { id, firstName: "X" },
        "__typename",
      );
      expect(result.__typename).toBe("NotFoundError");
    }
  });

  it("needs subscribers:read to read and subscribers:write to change", async () => {
    const { id, key } = await gateway.account("scopes");
    const subscriber = await createSubscriber(gateway, key, { email: "scoped@example.com" });
    const readOnly = await gateway.key(id, ["subscribers:read"]);
    const listsOnly = await gateway.key(id, ["lists:read"]);
    const before = await snapshot(gateway, id);

    const read = await gateway.graphql<{ subscribers: { totalCount: number } }>(
      "{ subscribers { totalCount } }",
      {},
      readOnly,
    );
    expect(read.data?.subscribers.totalCount).toBe(1);

    const refusedRead = await gateway.graphql("{ subscribers { totalCount } }", {}, listsOnly);
    expect(refusedRead.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    const refusedNode = await gateway.graphql(
      "query($id: ID!) { node(id: $id) { ... on Subscriber { email } } }",
      { id: subscriber.id },
      listsOnly,
    );
    expect(refusedNode.errors?.[0].extensions?.code).toBe("FORBIDDEN");

    for (const [name, input] of [
      ["createSubscriber", { email: "new@example.com" }],
      ["updateSubscriber", { id: subscriber.id, firstName: "No" }],
      ["deleteSubscriber", { id: subscriber.id }],
      ["upsertSubscribers", { subscribers: [{ email: "new@example.com" }] }],
    ] as const) {
      const inputType = `${name[0].toUpperCase()}${name.slice(1)}Input`;
      const refused = await gateway.graphql(
        `mutation($input: ${inputType}!) { ${name}(input: $input) { __typename } }`,
        { input },
        readOnly,
      );
      expect(refused.errors?.[0].extensions?.code, name).toBe("FORBIDDEN");
    }
    const anonymous = await gateway.graphql("{ subscribers { totalCount } }", {}, null);
    expect(anonymous.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
    expect(await snapshot(gateway, id)).toEqual(before);
  });

  it("shows tags only to a key that may read tags", async () => {
    const { id, key } = await gateway.account("tag-scope");
    await createSubscriber(gateway, key, { email: "t@example.com" });
    const readOnly = await gateway.key(id, ["subscribers:read"]);
    const response = await gateway.graphql(
      "{ subscribers { edges { node { email tags { name } } } } }",
      {},
      readOnly,
    );
    expect(response.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });
});
