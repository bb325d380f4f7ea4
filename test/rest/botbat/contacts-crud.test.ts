import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { type Botbat, botbat, contactState } from "./contacts-client.js";

// POST, GET, PUT and DELETE /v1/contacts over a live server: the contact's shape, names split
// as other surfaces store them, phones in E.164, tags and properties by name, and every bad
// input answered with botbat's error while changing nothing.

let gateway: TestGateway;
let accountId: string;
let key: string;
let api: Botbat;

beforeAll(async () => {
  gateway = await startTestGateway();
  const account = await gateway.account();
  accountId = account.id;
  key = account.key;
  api = botbat(gateway, key);
});
afterAll(async () => {
  await gateway?.close();
});

type Contact = {
  id: string;
  name: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string;
  phone: string | null;
  tags: string[];
  properties: Record<string, unknown>;
  status: string;
  sandbox: boolean;
  created_at: string;
  updated_at: string;
};
type ErrorBody = {
  error: { code: string; message: string; details?: { field: string; message: string }[] };
};

describe("POST /v1/contacts", () => {
  it("creates a contact: 201 with the contact, names split, phone in E.164, tags and typed properties", async () => {
    const created = await api.post<Contact>("/v1/contacts", {
      name: "John Ronald Smith",
      email: "john.smith@example.com",
      phone: "+1 (415) 555-0100",
      tags: ["VIP", "newsletter", "vip"],
      properties: {
        plan: "pro",
        seats: 3,
        trial: false,
        renewal: "2027-01-31",
        channels: ["sms", "email"],
      },
      unknown_field: "ignored",
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "John Ronald Smith",
      first_name: "John",
      last_name: "Ronald Smith",
      email: "john.smith@example.com",
      phone: "+14155550100",
      tags: ["newsletter", "VIP"],
      properties: {
        plan: "pro",
        seats: 3,
        trial: false,
        renewal: "2027-01-31",
        channels: ["sms", "email"],
      },
      status: "active",
      sandbox: false,
    });
    expect(created.body).not.toHaveProperty("unknown_field");
    expect(created.body.id).toMatch(/^[0-9a-f]{32}$/);
    expect(new Date(created.body.created_at).toISOString()).toBe(created.body.created_at);

    // Read back as it was answered.
    const read = await api.get<Contact>(`/v1/contacts/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);

    // The properties became typed custom fields (the array one a JSON text field).
    const fields = await gateway.database.db
      .selectFrom("custom_fields")
      .select(["name", "type", "form_type"])
      .where("account_id", "=", accountId)
      .orderBy("name")
      .execute();
    expect(fields).toEqual([
      { name: "channels", type: "string", form_type: "json" },
      { name: "plan", type: "string", form_type: null },
      { name: "renewal", type: "date", form_type: null },
      { name: "seats", type: "number", form_type: null },
      { name: "trial", type: "boolean", form_type: null },
    ]);
  });

  it("matches existing properties by name in any case, and refuses a value of another type with 422 at properties.<name>", async () => {
    const ok = await api.post<Contact>("/v1/contacts", {
      email: "case@example.com",
      first_name: "Ada",
      properties: { PLAN: "basic", Seats: 5 },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.properties).toEqual({ plan: "basic", seats: 5 });

    const before = await contactState(gateway, accountId);
    const bad = await api.post<ErrorBody>("/v1/contacts", {
      email: "typed@example.com",
      properties: { seats: "many", trial: "yes", renewal: "soon", brand_new: 1 },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe("validation_error");
    expect(bad.body.error.details?.map((detail) => detail.field).sort()).toEqual([
      "properties.renewal",
      "properties.seats",
      "properties.trial",
    ]);
    // Nothing written: no contact, and no field for brand_new either.
    expect(await contactState(gateway, accountId)).toEqual(before);
  });

  it("needs an email (422), refuses a duplicate email in any case (409), a bad phone and wrong types (422), changing nothing", async () => {
    await api.post("/v1/contacts", { email: "taken@example.com" });
    const before = await contactState(gateway, accountId);

    const noEmail = await api.post<ErrorBody>("/v1/contacts", { name: "No Email" });
    expect(noEmail.status).toBe(422);
    expect(noEmail.body.error.details).toEqual([
      { field: "email", message: "is required: a contact needs an email" },
    ]);

    const badEmail = await api.post<ErrorBody>("/v1/contacts", { email: "not-an-email" });
    expect(badEmail.status).toBe(422);
    expect(badEmail.body.error.details?.[0].field).toBe("email");

    const duplicate = await api.post<ErrorBody>("/v1/contacts", {
      email: "TAKEN@example.com",
      tags: ["fresh-tag"],
      properties: { fresh_property: "x" },
    });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe("conflict");

    const noPlus = await api.post<ErrorBody>("/v1/contacts", {
      email: "p1@example.com",
      phone: "4155550100",
    });
    expect(noPlus.status).toBe(422);
    expect(noPlus.body.error.details).toEqual([
      {
        field: "phone",
        message: "must be in E.164 form, starting with + and the country code (+14155550100)",
      },
    ]);
    const invalid = await api.post<ErrorBody>("/v1/contacts", {
      email: "p2@example.com",
      phone: "+1 555",
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.details).toEqual([
      { field: "phone", message: "is not a valid phone number" },
    ]);

    const types = await api.post<ErrorBody>("/v1/contacts", {
      email: 42,
      tags: "vip",
      properties: { nested: { a: 1 } },
      status: "gone",
    });
    expect(types.status).toBe(422);
    expect(types.body.error.details?.map((detail) => detail.field).sort()).toEqual([
      "email",
      "properties.nested",
      "status",
      "tags",
    ]);

    const nul = await api.post<ErrorBody>("/v1/contacts", {
      email: "nul@example.com",
      first_name: "a\u0000b",
    });
    expect(nul.status).toBe(422);
    expect(nul.body.error.details?.[0].field).toBe("first_name");

    const malformed = await api.call<ErrorBody>(
      "POST",
      "/v1/contacts",
      '{"email": "x@example.com",',
    );
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("invalid_request");

    const notJson = await api.call<ErrorBody>("POST", "/v1/contacts", "email=x@example.com", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(notJson.status).toBe(400);

    expect(await contactState(gateway, accountId)).toEqual(before);
  });

  it("refuses writes to a key with only contacts:read (403) and answers 401 without a key, changing nothing", async () => {
    const reader = botbat(gateway, await gateway.key(accountId, ["contacts:read"]));
    const before = await contactState(gateway, accountId);
    const created = await reader.post<ErrorBody>("/v1/contacts", { email: "reader@example.com" });
    expect(created.status).toBe(403);
    expect(created.body.error.code).toBe("forbidden");
    const [someone] = before.subscribers;
    expect(
      (await reader.put(`/v1/contacts/${someone.public_id}`, { email: "x@example.com" })).status,
    ).toBe(403);
    expect((await reader.del(`/v1/contacts/${someone.public_id}`)).status).toBe(403);
    // Reading is what the key may do.
    expect((await reader.get(`/v1/contacts/${someone.public_id}`)).status).toBe(200);
    const anonymous = await fetch(`${gateway.url}/v1/contacts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "anon@example.com" }),
    });
    expect(anonymous.status).toBe(401);
    expect(await contactState(gateway, accountId)).toEqual(before);
  });
});

describe("PUT /v1/contacts/{id}", () => {
  it("replaces the contact: absent fields cleared, tags and properties replaced", async () => {
    const created = await api.post<Contact>("/v1/contacts", {
      name: "Grace Hopper",
      email: "grace@example.com",
      phone: "+442071838750",
      tags: ["navy", "cobol"],
      properties: { plan: "pro", seats: 2 },
    });
    const replaced = await api.put<Contact>(`/v1/contacts/${created.body.id}`, {
      email: "Grace.Hopper@example.com",
      first_name: "Grace",
      tags: ["cobol", "admiral"],
      properties: { seats: 10 },
      status: "unsubscribed",
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      id: created.body.id,
      name: "Grace",
      first_name: "Grace",
      last_name: null,
      email: "Grace.Hopper@example.com",
      phone: null,
      tags: ["admiral", "cobol"],
      properties: { seats: 10 },
      status: "unsubscribed",
      created_at: created.body.created_at,
    });
    expect(replaced.body.updated_at >= created.body.updated_at).toBe(true);
    expect((await api.get<Contact>(`/v1/contacts/${created.body.id}`)).body).toEqual(replaced.body);
  });

  it("answers 404 for an unknown id or another account's, 409 for another contact's email, 422 for a bad body, changing nothing", async () => {
    const other = await gateway.account("other");
    const otherApi = botbat(gateway, other.key);
    const theirs = await otherApi.post<Contact>("/v1/contacts", { email: "theirs@example.com" });
    expect(theirs.status).toBe(201);
    const mine = await api.post<Contact>("/v1/contacts", {
      email: "mine@example.com",
      tags: ["a"],
    });

    const before = await contactState(gateway, accountId);
    const theirsBefore = await contactState(gateway, other.id);

    const foreign = await api.put<ErrorBody>(`/v1/contacts/${theirs.body.id}`, {
      email: "stolen@example.com",
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual({
      error: { code: "not_found", message: `contact ${theirs.body.id} not found` },
    });
    expect((await api.get(`/v1/contacts/${theirs.body.id}`)).status).toBe(404);
    expect((await api.del(`/v1/contacts/${theirs.body.id}`)).status).toBe(404);
    expect((await api.put("/v1/contacts/nope", { email: "n@example.com" })).status).toBe(404);

    const clash = await api.put<ErrorBody>(`/v1/contacts/${mine.body.id}`, {
      email: "grace.hopper@EXAMPLE.com",
      tags: ["b"],
    });
    expect(clash.status).toBe(409);
    const noEmail = await api.put<ErrorBody>(`/v1/contacts/${mine.body.id}`, { tags: ["b"] });
    expect(noEmail.status).toBe(422);
    expect(noEmail.body.error.details?.[0].field).toBe("email");

    expect(await contactState(gateway, accountId)).toEqual(before);
    expect(await contactState(gateway, other.id)).toEqual(theirsBefore);
  });
});

describe("DELETE /v1/contacts/{id}", () => {
  it("answers 204 and the contact is gone (404 after)", async () => {
    const created = await api.post<Contact>("/v1/contacts", {
      email: "bye@example.com",
      tags: ["x"],
    });
    const deleted = await api.del(`/v1/contacts/${created.body.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeNull();
    expect((await api.get(`/v1/contacts/${created.body.id}`)).status).toBe(404);
    expect((await api.del(`/v1/contacts/${created.body.id}`)).status).toBe(404);
  });
});

describe("the reference", () => {
  it("shows every Contacts endpoint in /openapi.json, from the schemas that validate them", async () => {
    const response = await fetch(`${gateway.url}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> } }>>;
      components: {
        schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }>;
      };
    };
    expect(Object.keys(document.paths["/v1/contacts"]).sort()).toEqual(["get", "post"]);
    expect(Object.keys(document.paths["/v1/contacts/{id}"]).sort()).toEqual([
      "delete",
      "get",
      "put",
    ]);
    expect(Object.keys(document.paths["/v1/contacts/search"])).toEqual(["get"]);
    expect(Object.keys(document.paths["/v1/contacts/import"])).toEqual(["post"]);
    expect(Object.keys(document.paths["/v1/contacts/import/{id}"])).toEqual(["get"]);
    expect(
      Object.keys(document.paths["/v1/contacts/import"].post.requestBody?.content ?? {}),
    ).toEqual(["multipart/form-data"]);
    expect(document.components.schemas.ContactInput.required).toEqual(["email"]);
    expect(Object.keys(document.components.schemas.Contact.properties ?? {})).toContain(
      "properties",
    );
  });
});
