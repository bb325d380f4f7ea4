import type { Runner } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueKey } from "../../../src/domain/accounts/keys.js";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { startTestWorker } from "../../imports/fixtures.js";
import { type Botbat, botbat, contactState } from "./contacts-client.js";

// POST /v1/contacts/import (multipart CSV → 202 and Location) and its poll, run by a real
// graphile-worker: counts, refused rows by number, files that are no CSV refused at once with
// nothing created, and a sandbox key's import creating sandbox contacts.

let gateway: TestGateway;
let worker: Runner;
let accountId: string;
let key: string;
let api: Botbat;

type ImportOut = {
  id: string;
  status: string;
  filename: string | null;
  total: number;
  created: number;
  updated: number;
  invalid: number;
  failure: string | null;
  sandbox: boolean;
  errors: {
    data: { row: number; email: string | null; message: string }[];
    cursor: string | null;
    total: number;
  };
};
type ErrorBody = {
  error: { code: string; message: string; details?: { field: string; message: string }[] };
};

beforeAll(async () => {
  gateway = await startTestGateway();
  worker = await startTestWorker(gateway);
  const account = await gateway.account();
  accountId = account.id;
  key = account.key;
  api = botbat(gateway, key);
});
afterAll(async () => {
  await worker?.stop();
  await gateway?.close();
});

async function upload(
  withKey: string,
  parts: Record<string, Blob | string>,
  filename = "contacts.csv",
): Promise<{ status: number; body: ImportOut & ErrorBody; location: string | null }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(parts)) {
    if (typeof value === "string") form.append(name, value);
    else form.append(name, value, filename);
  }
  const response = await fetch(`${gateway.url}/v1/contacts/import`, {
    method: "POST",
    headers: { authorization: `Bearer ${withKey}` },
    body: form,
  });
  return {
    status: response.status,
    body: (await response.json()) as ImportOut & ErrorBody,
    location: response.headers.get("location"),
  };
}

const csv = (text: string) => new Blob([text], { type: "text/csv" });

async function polled(location: string, client: Botbat = api, query = ""): Promise<ImportOut> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const answer = await client.get<ImportOut>(`${location}${query}`);
    expect(answer.status).toBe(200);
    if (answer.body.status === "completed" || answer.body.status === "failed") return answer.body;
    if (Date.now() > deadline) throw new Error(`import still ${answer.body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("POST /v1/contacts/import", () => {
  it("answers 202 with the import and its poll's Location; the poll reports counts and refused rows by number", async () => {
    const file = csv(
      [
        "Email,First Name,last_name,phone,tags,plan",
        "ann@example.com,Ann,Lee,+14155550123,imported|vip,pro",
        "not-an-email,Bad,Row,,,",
        "bob@example.com,Bob,Stone,,imported,basic",
        "ANN@example.com,Ann,Again,,,",
        "cy@example.com,Cy,,,,",
      ].join("\n"),
    );
    await api.post("/v1/contacts", { email: "plan-field@example.com", properties: { plan: "x" } });
    const started = await upload(key, { file });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({
      status: "queued",
      filename: "contacts.csv",
      sandbox: false,
    });
    expect(started.body.errors).toEqual({ data: [], cursor: null, total: 0 });
    expect(started.location).toBe(`/v1/contacts/import/${started.body.id}`);

    const done = await polled(started.location ?? "");
    expect(done).toMatchObject({
      status: "completed",
      total: 5,
      created: 3,
      updated: 0,
      invalid: 2,
      failure: null,
    });
    expect(done.errors.total).toBe(2);
    expect(done.errors.data.map((error) => error.row)).toEqual([2, 4]);
    expect(done.errors.data[0]).toMatchObject({ email: "not-an-email" });
    expect(done.errors.data[1].message).toContain("duplicate of row 1");

    // Refused rows page like any list.
    const first = await polled(started.location ?? "", api, "?limit=1");
    expect(first.errors.data.map((error) => error.row)).toEqual([2]);
    const second = await polled(
      started.location ?? "",
      api,
      `?limit=1&cursor=${first.errors.cursor}`,
    );
    expect(second.errors.data.map((error) => error.row)).toEqual([4]);
    expect(second.errors.cursor).toBeNull();

    // The imported contacts are contacts like any other, with their tags and properties.
    const tagged = await api.get<{
      data: { email: string; tags: string[]; phone: string; properties: object }[];
    }>("/v1/contacts?tag=imported");
    expect(tagged.body.data.map((contact) => contact.email)).toEqual([
      "ann@example.com",
      "bob@example.com",
    ]);
    expect(tagged.body.data[0]).toMatchObject({
      tags: ["imported", "vip"],
      phone: "+14155550123",
      properties: { plan: "pro" },
    });
  });

  it("refuses at once what is not a CSV of contacts (422 on `file`), and a request that is not multipart (400), creating nothing", async () => {
    const before = await contactState(gateway, accountId);
    const png = new Blob([
      new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
    ]);
    const cases: [string, Record<string, Blob | string>, string][] = [
      ["binary", { file: png }, "binary"],
      ["empty", { file: csv("") }, "is empty"],
      ["no email column", { file: csv("name,phone\nAnn,+14155550123\n") }, "has no email column"],
      [
        "a header that is data",
        { file: csv("ann@example.com,Ann\nbob@example.com,Bob\n") },
        "has no email column",
      ],
      [
        "latin-1",
        { file: new Blob([new Uint8Array([0x65, 0x6d, 0x61, 0x69, 0x6c, 0x0a, 0xe9, 0x0a])]) },
        "UTF-8",
      ],
    ];
    for (const [name, parts, message] of cases) {
      const answer = await upload(key, parts);
      expect(answer.status, name).toBe(422);
      expect(answer.body.error.code, name).toBe("validation_error");
      expect(answer.body.error.details?.[0].field, name).toBe("file");
      expect(answer.body.error.details?.[0].message, name).toContain(message);
    }
    const noFile = await upload(key, { segment: "x" });
    expect(noFile.status).toBe(422);
    expect(noFile.body.error.details?.[0].field).toBe("file");

    const json = await api.post<ErrorBody>("/v1/contacts/import", { file: "email\nx@example.com" });
    expect(json.status).toBe(400);
    expect(json.body.error.code).toBe("invalid_request");

    const unknownSegment = await upload(key, {
      file: csv("email\nseg@example.com\n"),
      segment: "nope",
    });
    expect(unknownSegment.status).toBe(404);

    const reader = await gateway.key(accountId, ["contacts:read"]);
    expect((await upload(reader, { file: csv("email\nr@example.com\n") })).status).toBe(403);

    expect(await contactState(gateway, accountId)).toEqual(before);
  });

  it("imports through a sandbox key as sandbox contacts, and a sandbox key's POST /v1/contacts too", async () => {
    const sandbox = (await issueKey(gateway.database.db, accountId, { sandbox: true })).secret;
    const started = await upload(sandbox, {
      file: csv("email,first_name\nsand1@example.com,Sandy\nsand2@example.com,Sam\n"),
    });
    expect(started.status).toBe(202);
    expect(started.body.sandbox).toBe(true);
    const done = await polled(started.location ?? "");
    expect(done).toMatchObject({ status: "completed", created: 2, sandbox: true });
    const rows = await gateway.database.db
      .selectFrom("subscribers")
      .select(["email", "sandbox"])
      .where("account_id", "=", accountId)
      .where("email", "like", "sand%")
      .orderBy("email")
      .execute();
    expect(rows).toEqual([
      { email: "sand1@example.com", sandbox: true },
      { email: "sand2@example.com", sandbox: true },
    ]);
    // Over 100 rows, the merge takes its bulk path (another statement): sandbox there too.
    const rowsOfBulk = Array.from({ length: 150 }, (_, i) => `bulk${i}@example.com`);
    const bulk = await upload(sandbox, { file: csv(["email", ...rowsOfBulk].join("\n")) });
    expect(bulk.status).toBe(202);
    expect(await polled(bulk.location ?? "")).toMatchObject({ status: "completed", created: 150 });
    const flags = await gateway.database.db
      .selectFrom("subscribers")
      .select((eb) => eb.fn.countAll<string>().as("count"))
      .where("account_id", "=", accountId)
      .where("email", "like", "bulk%")
      .where("sandbox", "=", true)
      .executeTakeFirstOrThrow();
    expect(Number(flags.count)).toBe(150);
    const created = await botbat(gateway, sandbox).post<{ sandbox: boolean }>("/v1/contacts", {
      email: "sand3@example.com",
    });
    expect(created.status).toBe(201);
    expect(created.body.sandbox).toBe(true);
  });

  it("answers the poll of an unknown import or another account's with 404", async () => {
    const started = await upload(key, { file: csv("email\nmine@example.com\n") });
    expect(started.status).toBe(202);
    const other = botbat(gateway, (await gateway.account("other")).key);
    const foreign = await other.get<ErrorBody>(started.location ?? "");
    expect(foreign.status).toBe(404);
    expect(foreign.body.error).toEqual({
      code: "not_found",
      message: `import ${started.body.id} not found`,
    });
    expect((await api.get("/v1/contacts/import/nope")).status).toBe(404);
    expect((await api.get(`${started.location}?cursor=bad!`)).status).toBe(400);
    await polled(started.location ?? "");
  });
});
