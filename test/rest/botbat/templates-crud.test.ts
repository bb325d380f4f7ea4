import type { Runner } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueKey } from "../../../src/domain/accounts/keys.js";
import { configureTemplates } from "../../../src/domain/templates/settings.js";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import {
  type Receiver,
  startReceiver,
  startTestWorker,
  waitFor,
} from "../../jobs/webhook-receiver.js";
import { type TemplateBody, templatesClient, WHATSAPP } from "./templates-client.js";

// The Templates API over HTTP: each channel's rules, every refusal with its field and nothing
// stored, names unique per channel and language, other accounts' ids, scopes, editing and
// deleting by status, and the sandbox's review of a submitted WhatsApp template (a real worker).

let gateway: TestGateway;
let worker: Runner;
let hooks: Receiver;
let api: ReturnType<typeof templatesClient>;

beforeAll(async () => {
  // No WhatsApp configured, not production: the sandbox reviews, after a second.
  configureTemplates({ sandboxApprovalMs: 1000 });
  gateway = await startTestGateway();
  api = templatesClient(gateway);
  worker = await startTestWorker(gateway.database);
  hooks = await startReceiver();
});
afterAll(async () => {
  await worker?.stop();
  await hooks?.close();
  await gateway?.close();
});

describe("create and read", () => {
  it("creates an SMS and an email template approved, a WhatsApp one as a draft, and lists them", async () => {
    const { key } = await gateway.account();
    const sms = await api.create(key, {
      channel: "sms",
      name: "Code",
      body: "Your code is {{1}}, {{first_name}}",
      samples: { "1": "123456", first_name: "Ada" },
    });
    expect(sms.status).toBe(201);
    expect(sms.body).toMatchObject({
      channel: "sms",
      name: "Code",
      language: "en",
      category: null,
      subject: null,
      variables: ["1", "first_name"],
      samples: { "1": "123456", first_name: "Ada" },
      status: "approved",
      sandbox: false,
      submitted_at: null,
    });

    const email = await api.create(key, {
      channel: "email",
      name: "Welcome",
      language: "fr-fr",
      subject: "Bienvenue {{first_name}}",
      body: "<p>Bonjour {{first_name}}</p>",
      samples: { first_name: "Ada" },
    });
    expect(email.status).toBe(201);
    expect(email.body).toMatchObject({
      language: "fr_FR",
      status: "approved",
      variables: ["first_name"],
    });

    const whatsapp = await api.create(key, WHATSAPP);
    expect(whatsapp.status).toBe(201);
    expect(whatsapp.body).toMatchObject({
      ...WHATSAPP,
      status: "draft",
      provider_template_id: null,
    });

    const got = await api.call(key, "GET", `/v1/templates/${whatsapp.body.id}`);
    expect(got).toEqual({ status: 200, body: whatsapp.body });

    const first = await api.call(key, "GET", "/v1/templates?limit=2");
    expect(first.body.total).toBe(3);
    expect(first.body.data.map((t: TemplateBody) => t.name)).toEqual(["Code", "Welcome"]);
    const second = await api.call(key, "GET", `/v1/templates?limit=2&cursor=${first.body.cursor}`);
    expect(second.body).toMatchObject({ cursor: null, total: 3 });
    expect(second.body.data.map((t: TemplateBody) => t.name)).toEqual(["order_shipped"]);

    const approved = await api.call(key, "GET", "/v1/templates?status=approved&channel=email");
    expect(approved.body.data.map((t: TemplateBody) => t.name)).toEqual(["Welcome"]);
    const byName = await api.call(key, "GET", "/v1/templates?name=ORDER");
    expect(byName.body.data.map((t: TemplateBody) => t.name)).toEqual(["order_shipped"]);
    const badFilter = await api.call(key, "GET", "/v1/templates?status=live");
    expect(badFilter.status).toBe(422);
    expect(badFilter.body.error.details[0].field).toBe("status");
    const nul = await api.call(key, "GET", "/v1/templates?name=a%00b");
    expect([nul.status, nul.body.error.details[0].field]).toEqual([422, "name"]);
  });
});

describe("refusals", () => {
  const long = (n: number) => "x".repeat(n);
  const cases: [string, Record<string, unknown>, string][] = [
    ["no channel", { name: "a", body: "b" }, "channel"],
    ["an unknown channel", { channel: "fax", name: "a", body: "b" }, "channel"],
    ["no name", { channel: "sms", body: "b" }, "name"],
    ["a blank name", { channel: "sms", name: "  ", body: "b" }, "name"],
    ["a WhatsApp name with capitals", { ...WHATSAPP, name: "Order Shipped" }, "name"],
    [
      "a language that is not a code",
      { channel: "sms", name: "a", body: "b", language: "english" },
      "language",
    ],
    ["a WhatsApp template without category", { ...WHATSAPP, category: undefined }, "category"],
    ["an unknown category", { ...WHATSAPP, category: "promo" }, "category"],
    [
      "an SMS template with a category",
      { channel: "sms", name: "a", body: "b", category: "utility" },
      "category",
    ],
    ["an email template without subject", { channel: "email", name: "a", body: "b" }, "subject"],
    [
      "an SMS template with a subject",
      { channel: "sms", name: "a", body: "b", subject: "s" },
      "subject",
    ],
    ["no body", { channel: "sms", name: "a" }, "body"],
    ["an empty body", { channel: "sms", name: "a", body: " " }, "body"],
    [
      "a WhatsApp body over 1,024 characters",
      { ...WHATSAPP, body: long(1025), samples: {} },
      "body",
    ],
    ["an SMS body over 1,600 characters", { channel: "sms", name: "a", body: long(1601) }, "body"],
    ["a body with a NUL", { channel: "sms", name: "a", body: "a\u0000b" }, "body"],
    [
      "positional variables with a gap",
      { channel: "sms", name: "a", body: "{{1}} {{3}}", samples: { "1": "x", "3": "y" } },
      "body",
    ],
    [
      "positional and named WhatsApp variables",
      { ...WHATSAPP, body: "{{1}} {{first_name}}", samples: { "1": "x", first_name: "y" } },
      "body",
    ],
    ["a variable without a sample", { ...WHATSAPP, samples: { "1": "Ada" } }, "samples[2]"],
    [
      "a named variable without a sample",
      { channel: "sms", name: "a", body: "Hi {{first_name}}", samples: {} },
      "samples.first_name",
    ],
    ["a blank sample", { ...WHATSAPP, samples: { "1": "Ada", "2": " " } }, "samples[2]"],
    [
      "a sample for no variable",
      { ...WHATSAPP, samples: { ...WHATSAPP.samples, city: "Paris" } },
      "samples.city",
    ],
    ["a sample that is not text", { ...WHATSAPP, samples: { "1": "Ada", "2": 5 } }, "samples[2]"],
  ];

  it.each(cases)("%s: 422 on the field, nothing stored", async (_what, body, field) => {
    const { id, key } = await gateway.account();
    const answer = await api.create(key, body);
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe("validation_error");
    expect(answer.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(await api.count(id)).toBe(0);
  });

  it("answers every problem of a body at once", async () => {
    const { id, key } = await gateway.account();
    const answer = await api.create(key, { channel: "whatsapp", name: "Bad Name", body: "{{2}}" });
    expect(answer.status).toBe(422);
    expect(answer.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(
      ["body", "category", "name", "samples[2]"].sort(),
    );
    expect(await api.count(id)).toBe(0);
  });

  it("refuses a second template of the same name, channel and language in any case (409), not in another language", async () => {
    const { id, key } = await gateway.account();
    expect((await api.create(key, { channel: "sms", name: "Promo", body: "b" })).status).toBe(201);
    const again = await api.create(key, { channel: "sms", name: "PROMO", body: "other" });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("conflict");
    expect(await api.count(id)).toBe(1);
    expect(
      (await api.create(key, { channel: "sms", name: "Promo", body: "b", language: "de" })).status,
    ).toBe(201);
    expect(
      (await api.create(key, { channel: "email", name: "Promo", body: "b", subject: "s" })).status,
    ).toBe(201);
    expect(await api.count(id)).toBe(3);
  });

  it("answers 404 for another account's template on every endpoint, changing nothing", async () => {
    const owner = await gateway.account();
    const other = await gateway.account();
    const created = await api.create(owner.key, WHATSAPP);
    const path = `/v1/templates/${created.body.id}`;
    for (const [method, suffix, body] of [
      ["GET", "", undefined],
      ["PUT", "", { ...WHATSAPP, body: "changed {{1}} {{2}}" }],
      ["DELETE", "", undefined],
      ["POST", "/submit", undefined],
    ] as const) {
      const answer = await api.call(other.key, method, `${path}${suffix}`, body);
      expect(answer.status, `${method} ${suffix}`).toBe(404);
      expect(answer.body.error.code).toBe("not_found");
    }
    const row = await api.row(created.body.id);
    expect([row.status, row.body]).toEqual(["draft", WHATSAPP.body]);
    expect((await api.call(other.key, "GET", "/v1/templates")).body.total).toBe(0);
  });

  it("asks templates:read to read and templates:write to write (403 otherwise)", async () => {
    const { id, key } = await gateway.account();
    const created = await api.create(key, WHATSAPP);
    const reader = await gateway.key(id, ["templates:read"]);
    const stranger = await gateway.key(id, ["contacts:read"]);
    expect((await api.call(reader, "GET", "/v1/templates")).status).toBe(200);
    expect((await api.call(reader, "GET", `/v1/templates/${created.body.id}`)).status).toBe(200);
    expect((await api.call(stranger, "GET", "/v1/templates")).status).toBe(403);
    const refused = [
      await api.create(reader, { ...WHATSAPP, name: "another" }),
      await api.call(reader, "PUT", `/v1/templates/${created.body.id}`, WHATSAPP),
      await api.call(reader, "POST", `/v1/templates/${created.body.id}/submit`),
      await api.call(reader, "DELETE", `/v1/templates/${created.body.id}`),
    ];
    expect(refused.map((answer) => [answer.status, answer.body.error.code])).toEqual(
      Array(4).fill([403, "forbidden"]),
    );
    expect(await api.count(id)).toBe(1);
    expect((await api.row(created.body.id)).status).toBe("draft");
  });
});

describe("update and delete", () => {
  it("replaces an SMS template, which stays approved; its channel cannot change", async () => {
    const { key } = await gateway.account();
    const created = await api.create(key, {
      channel: "sms",
      name: "Reminder",
      body: "See you {{1}}",
      samples: { "1": "Monday" },
    });
    const path = `/v1/templates/${created.body.id}`;
    const updated = await api.call(key, "PUT", path, {
      name: "Reminder",
      body: "See you on {{1}}",
      samples: { "1": "Monday" },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ body: "See you on {{1}}", status: "approved" });
    const moved = await api.call(key, "PUT", path, {
      channel: "email",
      name: "Reminder",
      body: "x",
      subject: "s",
    });
    expect(moved.status).toBe(422);
    expect(moved.body.error.details[0].field).toBe("channel");
    expect((await api.row(created.body.id)).body).toBe("See you on {{1}}");
  });

  it("deletes a template no campaign uses (then 404), refuses one a campaign sends (409)", async () => {
    const { id, key } = await gateway.account();
    const used = await api.create(key, { channel: "sms", name: "Used", body: "b" });
    const unused = await api.create(key, { channel: "sms", name: "Unused", body: "b" });
    await gateway.database.db
      .insertInto("campaigns")
      .values({
        account_id: id,
        name: "Spring",
        channel: "sms",
        subject: null,
        body: null,
        scheduled_at: null,
        template_id: (await api.row(used.body.id)).id,
        variables: "{}",
        started_at: null,
        audience_done_at: null,
        completed_at: null,
        failure_reason: null,
      } as never)
      .execute();
    const refused = await api.call(key, "DELETE", `/v1/templates/${used.body.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("conflict");
    expect(await api.count(id)).toBe(2);
    expect((await api.call(key, "DELETE", `/v1/templates/${unused.body.id}`)).status).toBe(204);
    expect((await api.call(key, "GET", `/v1/templates/${unused.body.id}`)).status).toBe(404);
    expect((await api.call(key, "DELETE", `/v1/templates/${unused.body.id}`)).status).toBe(404);
    expect(await api.count(id)).toBe(1);
  });
});

describe("submission in the sandbox", () => {
  it("takes a WhatsApp draft to pending, then the sandbox approves it; each change is an event", async () => {
    const { id, key } = await gateway.account();
    await api.listen(id, hooks);
    const created = await api.create(key, WHATSAPP);
    const path = `/v1/templates/${created.body.id}`;

    const submitted = await api.call(key, "POST", `${path}/submit`);
    expect(submitted.status).toBe(200);
    expect(submitted.body).toMatchObject({ status: "pending", status_reason: null });
    expect(submitted.body.submitted_at).not.toBeNull();

    // Pending: neither submitted again nor changed.
    const twice = await api.call(key, "POST", `${path}/submit`);
    expect([twice.status, twice.body.error.code]).toEqual([409, "conflict"]);
    const edited = await api.call(key, "PUT", path, { ...WHATSAPP, body: "Hello {{1}} {{2}}" });
    expect(edited.status).toBe(409);
    expect((await api.row(created.body.id)).body).toBe(WHATSAPP.body);

    await waitFor(
      async () => (await api.row(created.body.id)).status === "approved",
      "sandbox approval",
      30_000,
    );
    const approved = await api.call(key, "GET", path);
    expect(approved.body).toMatchObject({ status: "approved", provider_template_id: null });
    expect(await api.events(created.body.id)).toEqual([
      { status: "pending", previous: "draft", sandbox: false },
      { status: "approved", previous: "pending", sandbox: false },
    ]);
    // Approved: not submitted again.
    expect((await api.call(key, "POST", `${path}/submit`)).status).toBe(409);

    // Changing an approved WhatsApp template makes it a draft again, to be reviewed.
    const changed = await api.call(key, "PUT", path, {
      ...WHATSAPP,
      body: "Hello {{1}}, order {{2}} is on its way.",
    });
    expect(changed.status).toBe(200);
    expect(changed.body.status).toBe("draft");
    expect((await api.events(created.body.id)).at(-1)).toEqual({
      status: "draft",
      previous: "approved",
      sandbox: false,
    });
    // The same content again changes nothing.
    const same = await api.call(key, "PUT", path, {
      ...WHATSAPP,
      body: "Hello {{1}}, order {{2}} is on its way.",
    });
    expect(same.body.updated_at).toBe(changed.body.updated_at);
  });

  it("refuses to submit an SMS or email template (409): they are usable as they are", async () => {
    const { key } = await gateway.account();
    const sms = await api.create(key, { channel: "sms", name: "a", body: "b" });
    const answer = await api.call(key, "POST", `/v1/templates/${sms.body.id}/submit`);
    expect([answer.status, answer.body.error.code]).toEqual([409, "conflict"]);
    expect((await api.row(sms.body.id)).status).toBe("approved");
  });

  it("flags a sandbox key's template sandbox, and its events go to sandbox webhooks", async () => {
    const { id } = await gateway.account();
    const { secret } = await issueKey(gateway.database.db, id, { sandbox: true });
    await api.listen(id, hooks, true);
    const created = await api.create(secret, WHATSAPP);
    expect(created.body.sandbox).toBe(true);
    await api.call(secret, "POST", `/v1/templates/${created.body.id}/submit`);
    await waitFor(
      async () => (await api.row(created.body.id)).status === "approved",
      "sandbox approval",
      30_000,
    );
    expect((await api.events(created.body.id)).map((event) => event.sandbox)).toEqual([true, true]);
  });
});

describe("the reference", () => {
  it("lists the six endpoints with their bodies in /openapi.json", async () => {
    const spec = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
      components: { schemas: Record<string, unknown> };
    };
    const operations = Object.entries(spec.paths)
      .filter(([path]) => path.startsWith("/v1/templates"))
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method} ${path}`))
      .sort();
    expect(operations).toEqual([
      "delete /v1/templates/{id}",
      "get /v1/templates",
      "get /v1/templates/{id}",
      "post /v1/templates",
      "post /v1/templates/{id}/submit",
      "put /v1/templates/{id}",
    ]);
    expect(Object.keys(spec.components.schemas)).toEqual(
      expect.arrayContaining(["Template", "TemplateCreate", "TemplateUpdate"]),
    );
  });
});
