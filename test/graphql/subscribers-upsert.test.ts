import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";
import {
  createField,
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

interface Upserted {
  subscribers: SubscriberShape[];
  createdCount: number;
  updatedCount: number;
}

const PAYLOAD = `createdCount updatedCount subscribers { ${SUBSCRIBER} }`;

const upsert = (key: string, subscribers: Record<string, unknown>[]) =>
  mutate<Upserted>(gateway, key, "upsertSubscribers", { subscribers }, PAYLOAD);

describe("upserting subscribers by email", () => {
  it("creates the new ones and updates the known ones, keeping what is not sent", async () => {
    const { key } = await gateway.account("mixed");
    const known = await createSubscriber(gateway, key, {
      email: "Known@Example.com",
      firstName: "Kim",
      company: "Acme",
    });
    const result = await upsert(key, [
      { email: "new@example.com", firstName: "Nina" },
      { email: "known@example.COM", lastName: "Park", company: null },
    ]);
    expect(result.__typename).toBe("UpsertSubscribersPayload");
    expect(result.createdCount).toBe(1);
    expect(result.updatedCount).toBe(1);
    const [created, updated] = result.subscribers;
    expect(created).toMatchObject({
      email: "new@example.com",
      firstName: "Nina",
      status: "ACTIVE",
    });
    expect(updated).toMatchObject({
      id: known.id,
      email: "Known@Example.com",
      firstName: "Kim",
      lastName: "Park",
      company: null,
    });

    const again = await upsert(key, [{ email: "NEW@example.com", status: "UNSUBSCRIBED" }]);
    expect(again).toMatchObject({ createdCount: 0, updatedCount: 1 });
    expect(again.subscribers[0]).toMatchObject({
      id: created.id,
      firstName: "Nina",
      status: "UNSUBSCRIBED",
    });
  });

  it("writes 1,000 subscribers in one call as one statement", async () => {
    const { key, id } = await gateway.account("thousand");
    const rows = Array.from({ length: 1_000 }, (_, i) => ({
      email: `person${i}@example.com`,
      firstName: `Person ${i}`,
    }));
    gateway.database.statements.reset();
    const response = await gateway.graphql<{ upsertSubscribers: Upserted }>(
      `mutation($input: UpsertSubscribersInput!) { upsertSubscribers(input: $input) {
        ... on UpsertSubscribersPayload { createdCount updatedCount subscribers { email } } } }`,
      { input: { subscribers: rows } },
      key,
    );
    expect(response.errors).toBeUndefined();
    const payload = response.data?.upsertSubscribers as Upserted;
    expect(payload.createdCount).toBe(1_000);
    expect(payload.subscribers.map((row) => row.email)).toEqual(rows.map((row) => row.email));
    const inserts = gateway.database.statements
      .sql()
      .filter((text) => text.startsWith('insert into "subscribers"'));
    expect(inserts).toHaveLength(1);
    expect((await snapshot(gateway, id)).subscribers).toHaveLength(1_000);

    const second = await upsert(
      key,
      rows.map((row) => ({ ...row, phone: "+1 555 0100" })),
    );
    expect(second).toMatchObject({ createdCount: 0, updatedCount: 1_000 });
  });

  it("refuses 1,001 subscribers and writes none", async () => {
    const { key, id } = await gateway.account("too-many");
    const rows = Array.from({ length: 1_001 }, (_, i) => ({ email: `p${i}@example.com` }));
    const result = await upsert(key, rows);
    expect(result.__typename).toBe("ValidationError");
    expect(result.issues?.[0].path).toEqual(["input", "subscribers"]);
    expect((await snapshot(gateway, id)).subscribers).toHaveLength(0);
  });

  it("refuses the whole call for one bad row, naming each bad row", async () => {
    const { key, id } = await gateway.account("bad-row");
    await createSubscriber(gateway, key, { email: "kept@example.com", firstName: "Kept" });
    const before = await snapshot(gateway, id);
    const result = await upsert(key, [
      { email: "fine@example.com" },
      { email: "kept@example.com", firstName: "Changed" },
      { email: "also-fine@example.com" },
      { email: "not an email" },
      { email: "FINE@example.com" },
    ]);
    expect(result.__typename).toBe("ValidationError");
    expect(result.issues?.map((issue) => issue.path)).toEqual([
      ["input", "subscribers", "3", "email"],
      ["input", "subscribers", "4", "email"],
    ]);
    expect(result.issues?.[1].message).toContain("subscribers[0]");
    expect(await snapshot(gateway, id)).toEqual(before);

    const badBirthday = await upsert(key, [
      { email: "fine@example.com" },
      { email: "b@example.com", birthday: "2023-02-29" },
    ]);
    expect(badBirthday.issues?.map((issue) => issue.path)).toEqual([
      ["input", "subscribers", "1", "birthday"],
    ]);
    expect(await snapshot(gateway, id)).toEqual(before);
  });

  it("applies custom values: defaults for new rows, merges for known ones, required for all", async () => {
    const { key, id } = await gateway.account("custom");
    const plan = await createField(gateway, key, {
      name: "Plan",
      type: "DROPDOWN",
      options: ["free", "pro"],
      default: "free",
    });
    const seats = await createField(gateway, key, { name: "Seats", type: "NUMBER" });
    const known = await createSubscriber(gateway, key, {
      email: "known@example.com",
      customValues: [
        { fieldId: plan.id, value: "pro" },
        { fieldId: seats.id, value: 3 },
      ],
    });
    expect(known.customValues.map((value) => value.field.name)).toEqual(["Plan", "Seats"]);

    const result = await upsert(key, [
      { email: "new@example.com", customValues: [{ fieldId: seats.id, value: "12" }] },
      { email: "known@example.com", customValues: [{ fieldId: seats.id, value: null }] },
    ]);
    expect(result.__typename).toBe("UpsertSubscribersPayload");
    const [created, updated] = result.subscribers;
    expect(created.customValues).toEqual([
      { __typename: "DropdownCustomValue", field: { id: plan.id, name: "Plan" }, choice: "free" },
      { __typename: "NumberCustomValue", field: { id: seats.id, name: "Seats" }, number: 12 },
    ]);
    expect(updated.customValues).toEqual([
      { __typename: "DropdownCustomValue", field: { id: plan.id, name: "Plan" }, choice: "pro" },
    ]);

    // A required field: the new row must bring it; a bad value names its row and field.
    await createField(gateway, key, { name: "Region", type: "STRING", required: true });
    const before = await snapshot(gateway, id);
    const refused = await upsert(key, [
      { email: "third@example.com" },
      { email: "new@example.com", customValues: [{ fieldId: seats.id, value: "many" }] },
    ]);
    expect(refused.issues).toEqual([
      { path: ["input", "subscribers", "0", "customValues", "Region"], message: "is required" },
      {
        path: ["input", "subscribers", "1", "customValues", "Seats"],
        message: '"many" is not a number',
      },
      { path: ["input", "subscribers", "1", "customValues", "Region"], message: "is required" },
    ]);
    expect(await snapshot(gateway, id)).toEqual(before);
  });

  it("answers NotFoundError for another account's custom field and writes nothing", async () => {
    const owner = await gateway.account("field-owner");
    const stranger = await gateway.account("field-stranger");
    const field = await createField(gateway, owner.key, { name: "Score", type: "NUMBER" });
    const result = await upsert(stranger.key, [
      { email: "a@example.com" },
      { email: "b@example.com", customValues: [{ fieldId: field.id, value: 1 }] },
    ]);
    expect(result).toMatchObject({ __typename: "NotFoundError", resource: "CustomField" });
    expect((await snapshot(gateway, stranger.id)).subscribers).toHaveLength(0);
  });

  it("accepts an empty batch", async () => {
    const { key } = await gateway.account("empty");
    const result = await ok<Upserted>(
      gateway,
      key,
      "upsertSubscribers",
      { subscribers: [] },
      PAYLOAD,
    );
    expect(result).toEqual({
      __typename: "UpsertSubscribersPayload",
      createdCount: 0,
      updatedCount: 0,
      subscribers: [],
    });
  });
});
