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

interface FieldShape {
  id: string;
  name: string;
  type: string;
  options: string[];
  required: boolean;
  default: unknown;
  visible: boolean;
  mergeTag: string;
  columnName: string;
  listId: string | null;
}

const FIELD =
  "customField { id name type options required default visible description mergeTag columnName listId }";

/** Lists belong to another module; a row is enough to scope a field to one. */
async function newList(accountId: string, name: string): Promise<string> {
  const list = await gateway.database.db
    .insertInto("lists")
    .values({ account_id: accountId, name })
    .returning("public_id")
    .executeTakeFirstOrThrow();
  return Buffer.from(`List:${list.public_id}`).toString("base64");
}

describe("custom fields", () => {
  it("creates a field with a merge tag and a column name made from its name", async () => {
    const { key } = await gateway.account("create");
    const { customField } = await ok<{ customField: FieldShape }>(
      gateway,
      key,
      "createCustomField",
      { name: "Company size (m²)!", type: "NUMBER", required: false, default: "10" },
      FIELD,
    );
    expect(customField).toMatchObject({
      name: "Company size (m²)!",
      type: "NUMBER",
      options: [],
      required: false,
      default: 10,
      visible: true,
      mergeTag: "MERGE_COMPANY_SIZE_M2",
      listId: null,
    });
    expect(customField.columnName).toMatch(/^custom_company_size_m2_[a-z0-9]{6}$/);

    const read = await gateway.graphql<{ node: FieldShape }>(
      `query($id: ID!) { node(id: $id) { ... on CustomField { name mergeTag } } }`,
      { id: customField.id },
      key,
    );
    expect(read.data?.node).toEqual({
      name: "Company size (m²)!",
      mergeTag: "MERGE_COMPANY_SIZE_M2",
    });
  });

  it("scopes a field to a list, where the same name may exist again", async () => {
    const { key, id } = await gateway.account("list-scope");
    const listId = await newList(id, "News");
    await createField(gateway, key, { name: "Source", type: "STRING" });
    const { customField } = await ok<{ customField: FieldShape }>(
      gateway,
      key,
      "createCustomField",
      { name: "source", type: "STRING", listId },
      FIELD,
    );
    expect(customField.listId).toBe(listId);

    const listed = await gateway.graphql<{
      customFields: { totalCount: number; edges: { node: { name: string } }[] };
    }>(
      "query($filter: CustomFieldFilter) { customFields(filter: $filter) { totalCount edges { node { name } } } }",
      { filter: { listId } },
      key,
    );
    expect(listed.data?.customFields).toEqual({
      totalCount: 1,
      edges: [{ node: { name: "source" } }],
    });
    const all = await gateway.graphql<{ customFields: { totalCount: number } }>(
      "{ customFields { totalCount } }",
      {},
      key,
    );
    expect(all.data?.customFields.totalCount).toBe(2);

    const duplicate = await mutate(
      gateway,
      key,
      "createCustomField",
      { name: "SOURCE", type: "NUMBER", listId },
      FIELD,
    );
    expect(duplicate.__typename).toBe("ConflictError");
    const accountWide = await mutate(
      gateway,
      key,
      "createCustomField",
      { name: "Source ", type: "DATE" },
      FIELD,
    );
    expect(accountWide.__typename).toBe("ConflictError");

    const stranger = await gateway.account("list-stranger");
    const foreignList = await mutate(
      gateway,
      stranger.key,
      "createCustomField",
      { name: "Source", type: "STRING", listId },
      FIELD,
    );
    expect(foreignList).toMatchObject({ __typename: "NotFoundError", resource: "List" });
    expect((await snapshot(gateway, stranger.id)).fields).toEqual([]);
  });

  it("requires options for a dropdown, and only for a dropdown", async () => {
    const { key, id } = await gateway.account("options");
    const before = await snapshot(gateway, id);
    const cases: [Record<string, unknown>, string[][]][] = [
      [{ name: "Plan", type: "DROPDOWN" }, [["input", "options"]]],
      [{ name: "Plan", type: "DROPDOWN", options: [] }, [["input", "options"]]],
      [
        { name: "Plan", type: "DROPDOWN", options: ["a", " ", "A"] },
        [
          ["input", "options", "1"],
          ["input", "options", "2"],
        ],
      ],
      [{ name: "Plan", type: "STRING", options: ["a"] }, [["input", "options"]]],
      [
        { name: "Plan", type: "DROPDOWN", options: ["free", "pro"], default: "gold" },
        [["input", "default"]],
      ],
      [{ name: "Age", type: "NUMBER", default: "old" }, [["input", "default"]]],
      [{ name: "Opt-in", type: "BOOLEAN", default: "perhaps" }, [["input", "default"]]],
      [{ name: "Since", type: "DATE", default: "2024-02-30" }, [["input", "default"]]],
      [{ name: " ", type: "STRING" }, [["input", "name"]]],
    ];
    for (const [input, paths] of cases) {
      const result = await mutate(gateway, key, "createCustomField", input, FIELD);
      expect(result.__typename, JSON.stringify(input)).toBe("ValidationError");
      expect(
        result.issues?.map((issue) => issue.path),
        JSON.stringify(input),
      ).toEqual(paths);
    }
    expect(await snapshot(gateway, id)).toEqual(before);

    const { customField } = await ok<{ customField: FieldShape }>(
      gateway,
      key,
      "createCustomField",
      { name: "Plan", type: "DROPDOWN", options: [" free ", "pro"], default: "PRO" },
      FIELD,
    );
    expect(customField).toMatchObject({ options: ["free", "pro"], default: "pro" });
  });

  it("updates a field, keeping its merge tag, and checks the default against new options", async () => {
    const { key, id } = await gateway.account("update");
    const created = await ok<{ customField: FieldShape }>(
      gateway,
      key,
      "createCustomField",
      { name: "Plan", type: "DROPDOWN", options: ["free", "pro"], default: "free" },
      FIELD,
    );
    const field = created.customField;
    const before = await snapshot(gateway, id);
    const dropsDefault = await mutate(
      gateway,
      key,
      "updateCustomField",
      { id: field.id, options: ["pro", "team"] },
      FIELD,
    );
    expect(dropsDefault.issues?.map((issue) => issue.path)).toEqual([["input", "default"]]);
    expect(await snapshot(gateway, id)).toEqual(before);

    const { customField } = await ok<{ customField: FieldShape }>(
      gateway,
      key,
      "updateCustomField",
      {
        id: field.id,
        name: "Tier",
        options: ["pro", "team"],
        default: null,
        required: true,
        visible: false,
      },
      FIELD,
    );
    expect(customField).toMatchObject({
      name: "Tier",
      options: ["pro", "team"],
      default: null,
      required: true,
      visible: false,
      mergeTag: "MERGE_PLAN",
      columnName: field.columnName,
    });
  });

  it("deletes a field with every subscriber's value for it", async () => {
    const { key, id } = await gateway.account("delete");
    const score = await createField(gateway, key, { name: "Score", type: "NUMBER" });
    const city = await createField(gateway, key, { name: "City", type: "STRING" });
    const subscriber = await createSubscriber(gateway, key, {
      email: "s@example.com",
      customValues: [
        { fieldId: score.id, value: 7 },
        { fieldId: city.id, value: "Lyon" },
      ],
    });
    expect(subscriber.customValues).toHaveLength(2);
    const deleted = await ok<{ deletedId: string }>(
      gateway,
      key,
      "deleteCustomField",
      { id: score.id },
      "deletedId",
    );
    expect(deleted.deletedId).toBe(score.id);
    const [row] = (await snapshot(gateway, id)).subscribers;
    expect(Object.values(row.custom_values)).toEqual(["Lyon"]);
    const again = await mutate(gateway, key, "deleteCustomField", { id: score.id }, "deletedId");
    expect(again).toMatchObject({ __typename: "NotFoundError", resource: "CustomField" });
  });

  it("answers NotFoundError for another account's field, and needs the fields scopes", async () => {
    const owner = await gateway.account("owner");
    const stranger = await gateway.account("stranger");
    const field = await createField(gateway, owner.key, { name: "Secret", type: "STRING" });
    const before = await snapshot(gateway, owner.id);
    for (const [name, input] of [
      ["updateCustomField", { id: field.id, name: "Mine" }],
      ["deleteCustomField", { id: field.id }],
    ] as const) {
      const result = await mutate(gateway, stranger.key, name, input, "__typename");
      expect(result.__typename, name).toBe("NotFoundError");
    }

    const readOnly = await gateway.key(owner.id, ["fields:read"]);
    const subscribersOnly = await gateway.key(owner.id, ["subscribers:write"]);
    const refused = await gateway.graphql(
      'mutation { createCustomField(input: { name: "X", type: STRING }) { __typename } }',
      {},
      readOnly,
    );
    expect(refused.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    const list = await gateway.graphql("{ customFields { totalCount } }", {}, subscribersOnly);
    expect(list.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    const readable = await gateway.graphql("{ customFields { totalCount } }", {}, readOnly);
    expect(readable.data).toEqual({ customFields: { totalCount: 1 } });
    expect(await snapshot(gateway, owner.id)).toEqual(before);
  });
});

describe("custom values of subscribers", () => {
  async function fieldsOf(key: string) {
    return {
      nickname: await createField(gateway, key, { name: "Nickname", type: "STRING" }),
      age: await createField(gateway, key, { name: "Age", type: "NUMBER" }),
      vip: await createField(gateway, key, { name: "VIP", type: "BOOLEAN", default: false }),
      since: await createField(gateway, key, { name: "Since", type: "DATE" }),
      plan: await createField(gateway, key, {
        name: "Plan",
        type: "DROPDOWN",
        options: ["free", "pro"],
      }),
    };
  }

  it("stores and shows each value with its field's type, defaults included", async () => {
    const { key } = await gateway.account("typed");
    const f = await fieldsOf(key);
    const subscriber = await createSubscriber(gateway, key, {
      email: "typed@example.com",
      customValues: [
        { fieldId: f.nickname.id, value: "Ace" },
        { fieldId: f.age.id, value: "41.5" },
        { fieldId: f.since.id, value: "2020-02-29" },
        { fieldId: f.plan.id, value: "PRO" },
      ],
    });
    expect(subscriber.customValues).toEqual([
      {
        __typename: "StringCustomValue",
        field: { id: f.nickname.id, name: "Nickname" },
        text: "Ace",
      },
      { __typename: "NumberCustomValue", field: { id: f.age.id, name: "Age" }, number: 41.5 },
      { __typename: "BooleanCustomValue", field: { id: f.vip.id, name: "VIP" }, flag: false },
      {
        __typename: "DateCustomValue",
        field: { id: f.since.id, name: "Since" },
        date: "2020-02-29",
      },
      { __typename: "DropdownCustomValue", field: { id: f.plan.id, name: "Plan" }, choice: "pro" },
    ]);

    // Only the values sent change; null clears one.
    const { subscriber: updated } = await ok<{ subscriber: SubscriberShape }>(
      gateway,
      key,
      "updateSubscriber",
      {
        id: subscriber.id,
        customValues: [
          { fieldId: f.vip.id, value: true },
          { fieldId: f.nickname.id, value: null },
        ],
      },
      `subscriber { ${SUBSCRIBER} }`,
    );
    expect(
      updated.customValues.map((value) => [
        value.field.name,
        value.text ?? value.number ?? value.flag ?? value.date ?? value.choice,
      ]),
    ).toEqual([
      ["Age", 41.5],
      ["VIP", true],
      ["Since", "2020-02-29"],
      ["Plan", "pro"],
    ]);
  });

  it("refuses a value of the wrong type with the field's path, and changes nothing", async () => {
    const { key, id } = await gateway.account("wrong-types");
    const f = await fieldsOf(key);
    const subscriber = await createSubscriber(gateway, key, { email: "w@example.com" });
    const before = await snapshot(gateway, id);
    const result = await mutate(
      gateway,
      key,
      "updateSubscriber",
      {
        id: subscriber.id,
        firstName: "Changed",
        customValues: [
          { fieldId: f.age.id, value: "forty" },
          { fieldId: f.vip.id, value: "perhaps" },
          { fieldId: f.since.id, value: "2021-02-29" },
          { fieldId: f.plan.id, value: "gold" },
          { fieldId: f.nickname.id, value: { nested: true } },
        ],
      },
      "__typename",
    );
    expect(result.__typename).toBe("ValidationError");
    expect(result.issues).toEqual([
      { path: ["input", "customValues", "Age"], message: '"forty" is not a number' },
      {
        path: ["input", "customValues", "VIP"],
        message: '"perhaps" is not a boolean (true or false)',
      },
      {
        path: ["input", "customValues", "Since"],
        message: '"2021-02-29" is not a date (YYYY-MM-DD)',
      },
      {
        path: ["input", "customValues", "Plan"],
        message: '"gold" is not one of the options (free, pro)',
      },
      { path: ["input", "customValues", "Nickname"], message: "must be a string" },
    ]);
    expect(await snapshot(gateway, id)).toEqual(before);
  });

  it("enforces a required field on create and on every later write", async () => {
    const { key, id } = await gateway.account("required");
    const existing = await createSubscriber(gateway, key, { email: "early@example.com" });
    const region = await createField(gateway, key, {
      name: "Region",
      type: "STRING",
      required: true,
    });
    const before = await snapshot(gateway, id);

    const missing = await mutate(
      gateway,
      key,
      "createSubscriber",
      { email: "late@example.com" },
      "__typename",
    );
    expect(missing.issues).toEqual([
      { path: ["input", "customValues", "Region"], message: "is required" },
    ]);
    const cleared = await mutate(
      gateway,
      key,
      "updateSubscriber",
      { id: existing.id, firstName: "Early", customValues: [{ fieldId: region.id, value: "" }] },
      "__typename",
    );
    expect(cleared.issues).toEqual([
      { path: ["input", "customValues", "Region"], message: "is required" },
    ]);
    expect(await snapshot(gateway, id)).toEqual(before);

    const given = await createSubscriber(gateway, key, {
      email: "late@example.com",
      customValues: [{ fieldId: region.id, value: "EMEA" }],
    });
    expect(given.customValues).toHaveLength(1);
  });

  it("answers NotFoundError for another account's field and for an id that is no field", async () => {
    const owner = await gateway.account("values-owner");
    const stranger = await gateway.account("values-stranger");
    const field = await createField(gateway, owner.key, { name: "Score", type: "NUMBER" });
    for (const fieldId of [field.id, "garbage"]) {
      const result = await mutate(
        gateway,
        stranger.key,
        "createSubscriber",
        { email: "x@example.com", customValues: [{ fieldId, value: 1 }] },
        "__typename",
      );
      expect(result).toMatchObject({ __typename: "NotFoundError", resource: "CustomField" });
    }
    expect((await snapshot(gateway, stranger.id)).subscribers).toEqual([]);
  });

  it("shows a new field's values later in the request that creates it", async () => {
    const { key } = await gateway.account("same-request");
    const subscriber = await createSubscriber(gateway, key, { email: "r@example.com" });
    const response = await gateway.graphql<{
      before: { subscriber: { customValues: unknown[] } };
      after: { subscriber: { customValues: { field: { name: string }; value: string }[] } };
    }>(
      `mutation($id: ID!) {
        before: updateSubscriber(input: { id: $id, firstName: "R" }) {
          ... on UpdateSubscriberPayload { subscriber { customValues { __typename } } } }
        field: createCustomField(input: { name: "Color", type: STRING, default: "red" }) {
          __typename }
        after: createSubscriber(input: { email: "s@example.com" }) {
          ... on CreateSubscriberPayload { subscriber { customValues {
            field { name } ... on StringCustomValue { value } } } } }
      }`,
      { id: subscriber.id },
      key,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.before.subscriber.customValues).toEqual([]);
    expect(response.data?.after.subscriber.customValues).toEqual([
      { field: { name: "Color" }, value: "red" },
    ]);
  });
});
