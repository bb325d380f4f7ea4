import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { envelope, graphqlList, type MailtrainClient, mailtrain } from "./client.js";

// POST /api/field/:listId and custom values by merge tag, as Mailtrain clients see them and
// as GraphQL lists them.

let gateway: TestGateway;
let api: MailtrainClient;
let key: string;
let cid: string;
let listGlobalId: string;

interface GraphQLField {
  name: string;
  type: string;
  options: string[];
  visible: boolean;
  description: string | null;
  mergeTag: string;
  columnName: string;
  listId: string | null;
  default: unknown;
}

async function graphqlFields(): Promise<GraphQLField[]> {
  const response = await gateway.graphql<{ customFields: { edges: { node: GraphQLField }[] } }>(
    `{ customFields(first: 100) { edges { node {
      name type options visible description mergeTag columnName listId default } } } }`,
    {},
    key,
  );
  expect(response.errors).toBeUndefined();
  return response.data?.customFields.edges.map((edge) => edge.node) ?? [];
}

async function field(fields: Record<string, string>, list = cid) {
  return api.post(`/api/field/${list}`, fields);
}

async function rowOf(email: string): Promise<Record<string, unknown>> {
  const reply = await api.get(`/api/subscriptions/${cid}`);
  return reply.body.data.subscriptions.find((row: { email: string }) => row.email === email);
}

/** The camelCased column of a field, as GET /api/subscriptions shows it. */
async function columnOf(name: string): Promise<string> {
  const found = (await graphqlFields()).find((candidate) => candidate.name === name);
  return (found?.columnName ?? "").replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

beforeAll(async () => {
  gateway = await startTestGateway();
  key = (await gateway.account("acme")).key;
  api = mailtrain(gateway, key);
  ({ cid, globalId: listGlobalId } = await graphqlList(gateway, key, "Fields"));
});
afterAll(() => gateway.close());

describe("POST /api/field/:listId", () => {
  it("creates a field with Mailtrain's merge tag and column name, listed by GraphQL", async () => {
    const reply = await field({
      NAME: "Birthday",
      TYPE: "birthday-us",
      VISIBLE: "yes",
      DESCRIPTION: "When to send cake",
    });
    expect(reply).toMatchObject({
      status: 200,
      body: { data: { id: expect.any(Number), tag: "MERGE_BIRTHDAY" } },
    });
    const created = (await graphqlFields()).find((f) => f.name === "Birthday");
    expect(created).toMatchObject({
      type: "DATE",
      visible: true,
      description: "When to send cake",
      mergeTag: "MERGE_BIRTHDAY",
      columnName: expect.stringMatching(/^custom_birthday_[a-z0-9]+$/),
      listId: listGlobalId,
    });
  });

  it("accepts every Mailtrain type, each listed by GraphQL under the nearest shared type", async () => {
    const expected: Record<string, string> = {
      text: "STRING",
      website: "STRING",
      longtext: "STRING",
      gpg: "STRING",
      json: "STRING",
      number: "NUMBER",
      "date-us": "DATE",
      "date-eur": "DATE",
      "birthday-eur": "DATE",
      radio: "DROPDOWN",
      checkbox: "DROPDOWN",
      dropdown: "DROPDOWN",
    };
    for (const type of Object.keys(expected)) {
      const reply = await field({ NAME: `Kind ${type}`, TYPE: type.toUpperCase() });
      expect(reply.status, type).toBe(200);
      expect(reply.body.data.tag).toBe(`MERGE_KIND_${type.replace("-", "_").toUpperCase()}`);
    }
    const fields = await graphqlFields();
    for (const [type, graphqlType] of Object.entries(expected)) {
      expect(fields.find((f) => f.name === `Kind ${type}`)?.type, type).toBe(graphqlType);
    }
    const group = (await field({ NAME: "Kind group", TYPE: "radio" })).body.data.id;
    const option = await field({ NAME: "Kind option", TYPE: "option", GROUP: String(group) });
    expect(option.status).toBe(200);
    expect((await graphqlFields()).find((f) => f.name === "Kind option")?.type).toBe("BOOLEAN");
  });

  it("checks in Mailtrain's order: the list, an option's group, the type, the name", async () => {
    expect(await field({ TYPE: "option" }, "0".repeat(32))).toMatchObject({
      status: 404,
      body: envelope("Selected listId not found"),
    });
    expect(await field({ TYPE: "option" })).toMatchObject({
      status: 400,
      body: envelope("Option field requires a group to be selected"),
    });
    expect(await field({ TYPE: "colour" })).toMatchObject({
      status: 400,
      body: envelope("Unknown column type colour"),
    });
    expect(await field({ NAME: "No type" })).toMatchObject({
      status: 400,
      body: envelope("Unknown column type "),
    });
    expect(await field({ TYPE: "text" })).toMatchObject({
      status: 400,
      body: envelope("Missing column name"),
    });
    expect((await graphqlFields()).some((f) => f.name === "No type")).toBe(false);
  });

  it("refuses an option whose group is no group of this list, and a taken merge tag", async () => {
    const text = (await field({ NAME: "Plain", TYPE: "text" })).body.data.id;
    for (const group of [String(text), "999999", "abc"]) {
      const reply = await field({ NAME: `Orphan ${group}`, TYPE: "option", GROUP: group });
      expect(reply.status).toBe(400);
      expect(reply.body.error).toMatch(/no radio, checkbox or drop down field/);
    }
    expect(await field({ NAME: "plain", TYPE: "number" })).toMatchObject({ status: 409 });
    expect(await field({ NAME: "Plain!", TYPE: "number" })).toMatchObject({
      status: 409,
      body: envelope("Merge tag MERGE_PLAIN is already used by a field of this list"),
    });
    expect((await graphqlFields()).filter((f) => f.mergeTag === "MERGE_PLAIN")).toHaveLength(1);
  });

  it("reads VISIBLE as false when missing, empty, false, no or 0", async () => {
    const cases: [string | undefined, boolean][] = [
      [undefined, false],
      ["", false],
      ["false", false],
      ["NO", false],
      ["0", false],
      ["yes", true],
      ["1", true],
    ];
    for (const [index, [visible, expected]] of cases.entries()) {
      const fields: Record<string, string> = { NAME: `Visible ${index}`, TYPE: "text" };
      if (visible !== undefined) fields.VISIBLE = visible;
      await field(fields);
      expect((await graphqlFields()).find((f) => f.name === `Visible ${index}`)?.visible).toBe(
        expected,
      );
    }
  });

  it("stores GROUP_TEMPLATE lower-cased and DEFAULT as the value new subscribers get", async () => {
    const group = await field({
      NAME: "Templated",
      TYPE: "checkbox",
      GROUP_TEMPLATE: "{{#A}}X{{/A}}",
    });
    const row = await gateway.database.db
      .selectFrom("custom_fields")
      .select("group_template")
      .where("id", "=", String(group.body.data.id))
      .executeTakeFirstOrThrow();
    expect(row.group_template).toBe("{{#a}}x{{/a}}");

    await field({ NAME: "Score", TYPE: "number", DEFAULT: "42" });
    await api.post(`/api/subscribe/${cid}`, { EMAIL: "default@example.com" });
    expect((await rowOf("default@example.com"))[await columnOf("Score")]).toBe(42);
    expect(await field({ NAME: "Bad default", TYPE: "number", DEFAULT: "many" })).toMatchObject({
      status: 400,
      body: envelope('DEFAULT: "many" is not a number'),
    });
  });
});

describe("custom values by merge tag", () => {
  beforeAll(async () => {
    await field({ NAME: "Company", TYPE: "text" });
    await field({ NAME: "Seats", TYPE: "number" });
    await field({ NAME: "Renewal", TYPE: "date-us" });
    await field({ NAME: "Started", TYPE: "date-eur" });
    await field({ NAME: "Anniversary", TYPE: "birthday-eur" });
  });

  it("writes each type and shows it under its camelCased column", async () => {
    const reply = await api.post(`/api/subscribe/${cid}`, {
      EMAIL: "values@example.com",
      MERGE_COMPANY: "  Acme  ",
      MERGE_SEATS: "12",
      MERGE_RENEWAL: "03/14/2027",
      MERGE_STARTED: "14/03/2020",
      MERGE_BIRTHDAY: "12/25",
      MERGE_ANNIVERSARY: "25/12",
      MERGE_UNKNOWN: "ignored",
    });
    expect(reply.status).toBe(200);
    const row = await rowOf("values@example.com");
    expect(row[await columnOf("Company")]).toBe("Acme");
    expect(row[await columnOf("Seats")]).toBe(12);
    expect(row[await columnOf("Renewal")]).toBe("2027-03-14T00:00:00.000Z");
    expect(row[await columnOf("Started")]).toBe("2020-03-14T00:00:00.000Z");
    expect(row[await columnOf("Birthday")]).toBe("2000-12-25T00:00:00.000Z");
    expect(row[await columnOf("Anniversary")]).toBe("2000-12-25T00:00:00.000Z");
    expect(Object.keys(row).filter((k) => k.startsWith("custom")).length).toBeGreaterThan(5);
  });

  it("changes only the values sent, and clears one sent empty", async () => {
    await api.post(`/api/subscribe/${cid}`, { EMAIL: "values@example.com", MERGE_SEATS: "13" });
    let row = await rowOf("values@example.com");
    expect(row[await columnOf("Seats")]).toBe(13);
    expect(row[await columnOf("Company")]).toBe("Acme");
    await api.post(`/api/subscribe/${cid}`, { EMAIL: "values@example.com", MERGE_COMPANY: "" });
    row = await rowOf("values@example.com");
    expect(row[await columnOf("Company")]).toBeNull();
  });

  it("refuses a value that is not of the field's type, naming its merge tag, and writes nothing", async () => {
    expect(
      await api.post(`/api/subscribe/${cid}`, { EMAIL: "values@example.com", MERGE_SEATS: "lots" }),
    ).toMatchObject({ status: 400, body: envelope('MERGE_SEATS: "lots" is not a number') });
    expect(
      await api.post(`/api/subscribe/${cid}`, {
        EMAIL: "fresh@example.com",
        MERGE_RENEWAL: "31/31/2020",
      }),
    ).toMatchObject({
      status: 400,
      body: envelope('MERGE_RENEWAL: "31/31/2020" is not a date (MM/DD/YYYY)'),
    });
    expect((await rowOf("values@example.com"))[await columnOf("Seats")]).toBe(13);
    expect(await rowOf("fresh@example.com")).toBeUndefined();
  });

  it("holds options as 0/1: a radio or drop down choice clears its siblings, a checkbox's does not", async () => {
    const radio = (await field({ NAME: "Plan", TYPE: "radio" })).body.data.id;
    await field({ NAME: "Basic", TYPE: "option", GROUP: String(radio) });
    await field({ NAME: "Pro", TYPE: "option", GROUP: String(radio) });
    const checkbox = (await field({ NAME: "Interests", TYPE: "checkbox" })).body.data.id;
    await field({ NAME: "Music", TYPE: "option", GROUP: String(checkbox) });
    await field({ NAME: "Sport", TYPE: "option", GROUP: String(checkbox) });
    const [basic, pro, music, sport, plan] = await Promise.all(
      ["Basic", "Pro", "Music", "Sport", "Plan"].map(columnOf),
    );

    await api.post(`/api/subscribe/${cid}`, {
      EMAIL: "opts@example.com",
      MERGE_BASIC: "yes",
      MERGE_MUSIC: "yes",
    });
    let row = await rowOf("opts@example.com");
    expect([row[basic], row[pro], row[music], row[sport]]).toEqual([1, 0, 1, 0]);
    expect(row).not.toHaveProperty(plan as string);

    await api.post(`/api/subscribe/${cid}`, {
      EMAIL: "opts@example.com",
      MERGE_PRO: "true",
      MERGE_SPORT: "1",
    });
    row = await rowOf("opts@example.com");
    expect([row[basic], row[pro], row[music], row[sport]]).toEqual([0, 1, 1, 1]);

    for (const off of ["false", "no", "0", ""]) {
      await api.post(`/api/subscribe/${cid}`, { EMAIL: "opts@example.com", MERGE_MUSIC: "yes" });
      await api.post(`/api/subscribe/${cid}`, { EMAIL: "opts@example.com", MERGE_MUSIC: off });
      expect((await rowOf("opts@example.com"))[music], off).toBe(0);
    }
    await api.post(`/api/subscribe/${cid}`, { EMAIL: "opts@example.com", MERGE_MUSIC: "whatever" });
    expect((await rowOf("opts@example.com"))[music]).toBe(1);

    // GraphQL sees the group as a dropdown of its options, each option as a boolean.
    const fields = await graphqlFields();
    expect(fields.find((f) => f.name === "Plan")).toMatchObject({
      type: "DROPDOWN",
      options: ["Basic", "Pro"],
    });
    expect(fields.find((f) => f.name === "Pro")?.type).toBe("BOOLEAN");
  });

  it("shows an account-wide field made in GraphQL too, and takes its value by merge tag", async () => {
    const made = await gateway.graphql(
      `mutation { createCustomField(input: { name: "VIP", type: BOOLEAN }) {
        ... on CreateCustomFieldPayload { customField { mergeTag } } } }`,
      {},
      key,
    );
    expect(made.errors).toBeUndefined();
    await api.post(`/api/subscribe/${cid}`, { EMAIL: "vip@example.com", MERGE_VIP: "yes" });
    expect((await rowOf("vip@example.com"))[await columnOf("VIP")]).toBe(1);
  });
});
