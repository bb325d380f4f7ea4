import type { Runner } from "graphile-worker";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CustomFieldType } from "../../src/db/types.js";
import { jobs } from "../../src/jobs/queue.js";
import { startTestGateway, type TestGateway } from "../helpers/server.js";
import { startTestWorker, upload, uploadOk, waitForImport } from "./fixtures.js";

let gateway: TestGateway;
let worker: Runner;
beforeAll(async () => {
  gateway = await startTestGateway();
  worker = await startTestWorker(gateway);
});
afterAll(async () => {
  await worker?.stop();
  await gateway?.close();
});

async function field(
  accountId: string,
  name: string,
  type: CustomFieldType,
  extra: { options?: string[]; required?: boolean; default_value?: string | null } = {},
): Promise<string> {
  const slug = name.toLowerCase();
  const row = await gateway.database.db
    .insertInto("custom_fields")
    .values({
      account_id: accountId,
      name,
      type,
      merge_tag: `MERGE_${slug.toUpperCase()}`,
      column_name: `custom_${slug}_abc123`,
      ...extra,
      default_value: extra.default_value === undefined ? null : JSON.stringify(extra.default_value),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

async function list(accountId: string, name: string): Promise<{ id: string; globalId: string }> {
  const row = await gateway.database.db
    .insertInto("lists")
    .values({ account_id: accountId, name })
    .returning(["id", "public_id"])
    .executeTakeFirstOrThrow();
  return { id: row.id, globalId: Buffer.from(`List:${row.public_id}`).toString("base64") };
}

function subscribersOf(accountId: string) {
  return gateway.database.db
    .selectFrom("subscribers")
    .selectAll()
    .where("account_id", "=", accountId)
    .orderBy("email")
    .execute();
}

async function errorsOf(key: string, id: string, first = 100) {
  const response = await gateway.graphql<{
    node: {
      errors: {
        totalCount: number;
        edges: { cursor: string; node: { row: number; email: string | null; message: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    };
  }>(
    `query($id: ID!, $first: Int) { node(id: $id) { ... on Import {
      errors(first: $first) { totalCount edges { cursor node { row email message } }
        pageInfo { hasNextPage endCursor } } } } }`,
    { id, first },
    key,
  );
  if (!response.data) throw new Error(JSON.stringify(response));
  return response.data.node.errors;
}

describe("importSubscribers over a GraphQL multipart upload, run by graphile-worker", () => {
  it("imports rows, reports each bad row, keeps the first of duplicates, merges existing subscribers and joins the list", async () => {
    const { id: accountId, key } = await gateway.account("csv");
    const age = await field(accountId, "Age", "number");
    const plan = await field(accountId, "Plan", "dropdown", { options: ["Free", "Pro"] });
    const members = await list(accountId, "Newsletter");
    await gateway.database.db
      .insertInto("subscribers")
      .values({
        account_id: accountId,
        email: "old@example.com",
        first_name: "Old",
        last_name: "Timer",
        custom_values: JSON.stringify({ [age]: 40, [plan]: "Free" }),
      })
      .execute();

    const csv = [
      "Email,First Name,last_name,AGE,merge_plan,Favourite colour",
      "ann@example.com,Ann,Lee,31,pro,blue",
      "not-an-email,Bob,,,,",
      "ANN@example.com,Annie,,,,",
      "old@example.com,,New,41,,",
      "carl@example.com,Carl,,thirty,,",
      'dana@example.com,"Dana ""D"" \tTab",,,Free,',
      ",Eve,,,,",
      "",
    ].join("\n");
    const queued = await uploadOk(gateway, key, csv, { listId: members.globalId });
    expect(queued).toMatchObject({
      status: "QUEUED",
      source: "graphql",
      filename: "people.csv",
      total: 7,
      processed: 0,
      updateExisting: true,
    });

    const done = await waitForImport(gateway, key, queued.id);
    expect(done).toMatchObject({
      status: "COMPLETED",
      total: 7,
      created: 2,
      updated: 1,
      invalid: 4,
      processed: 7,
      progress: 1,
      failure: null,
    });
    expect(done.startedAt).not.toBeNull();
    expect(done.finishedAt).not.toBeNull();

    const errors = await errorsOf(key, queued.id);
    expect(errors.totalCount).toBe(4);
    expect(errors.edges.map((edge) => edge.node)).toEqual([
      { row: 2, email: "not-an-email", message: '"not-an-email" is not an email address' },
      { row: 3, email: "ANN@example.com", message: "duplicate of row 1" },
      { row: 5, email: "carl@example.com", message: 'Age: "thirty" is not a number' },
      { row: 7, email: null, message: "email is missing" },
    ]);

    const people = await subscribersOf(accountId);
    expect(
      people.map(({ email, first_name, last_name, custom_values }) => ({
        email,
        first_name,
        last_name,
        custom_values,
      })),
    ).toEqual([
      {
        email: "ann@example.com",
        first_name: "Ann",
        last_name: "Lee",
        custom_values: { [age]: 31, [plan]: "Pro" },
      },
      {
        email: "dana@example.com",
        first_name: 'Dana "D" \tTab',
        last_name: null,
        custom_values: { [plan]: "Free" },
      },
      // An empty cell never blanks a stored value; the file's values win over the stored ones.
      {
        email: "old@example.com",
        first_name: "Old",
        last_name: "New",
        custom_values: { [age]: 41, [plan]: "Free" },
      },
    ]);
    for (const person of people) expect(person.public_id).toMatch(/^[0-9a-f]{32}$/);

    const subscribed = await gateway.database.db
      .selectFrom("subscriptions")
      .select(["subscriber_id", "status", "source"])
      .where("account_id", "=", accountId)
      .where("list_id", "=", members.id)
      .execute();
    expect(subscribed).toHaveLength(3);
    expect(new Set(subscribed.map((row) => row.status))).toEqual(new Set(["subscribed"]));

    // The file and the staging rows are gone once the import is done.
    const leftovers = await sql<{ chunks: number; staged: number }>`
      select (select count(*) from import_chunks where account_id = ${accountId})::int as chunks,
             (select count(*) from import_rows where account_id = ${accountId})::int as staged`.execute(
      gateway.database.db,
    );
    expect(leftovers.rows[0]).toEqual({ chunks: 0, staged: 0 });
  });

  it("pages through an import's errors with cursors", async () => {
    const { key } = await gateway.account("errors-pages");
    const rows = ["email", ...Array.from({ length: 5 }, (_, i) => `broken-${i}`), "ok@example.com"];
    const queued = await uploadOk(gateway, key, rows.join("\n"));
    await waitForImport(gateway, key, queued.id);

    const first = await errorsOf(key, queued.id, 2);
    expect(first.totalCount).toBe(5);
    expect(first.edges.map((edge) => edge.node.row)).toEqual([1, 2]);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const next = await gateway.graphql<{
      node: { errors: { edges: { node: { row: number } }[] } };
    }>(
      `query($id: ID!, $after: String) { node(id: $id) { ... on Import {
        errors(first: 10, after: $after) { edges { node { row } } } } } }`,
      { id: queued.id, after: first.pageInfo.endCursor },
      key,
    );
    expect(next.data?.node.errors.edges.map((edge) => edge.node.row)).toEqual([3, 4, 5]);
  });

  it("lists imports newest last, with totalCount, and only the caller's own", async () => {
    const { key } = await gateway.account("listing");
    const other = await gateway.account("listing-other");
    const a = await uploadOk(gateway, key, "email\na@example.com\n");
    const b = await uploadOk(gateway, key, "email\nb@example.com\n");
    await uploadOk(gateway, other.key, "email\nc@example.com\n");
    const response = await gateway.graphql<{
      imports: { totalCount: number; edges: { node: { id: string } }[] };
    }>("{ imports(first: 10) { totalCount edges { node { id } } } }", {}, key);
    expect(response.data?.imports.totalCount).toBe(2);
    expect(response.data?.imports.edges.map((edge) => edge.node.id)).toEqual([a.id, b.id]);

    const foreign = await gateway.graphql<{ node: unknown }>(
      "query($id: ID!) { node(id: $id) { id } }",
      { id: a.id },
      other.key,
    );
    expect(foreign.data?.node).toBeNull();
    await waitForImport(gateway, key, b.id);
  });

  it("re-running the job of a completed import changes nothing", async () => {
    const { id: accountId, key } = await gateway.account("rerun");
    const queued = await uploadOk(
      gateway,
      key,
      "email,first_name\nx@example.com,X\ny@example.com,Y\n",
    );
    const done = await waitForImport(gateway, key, queued.id);
    const before = await subscribersOf(accountId);
    const row = await gateway.database.db
      .selectFrom("imports")
      .select("id")
      .where("account_id", "=", accountId)
      .executeTakeFirstOrThrow();

    await jobs.add(gateway.database.db, "import-subscribers", { importId: row.id });
    for (let i = 0; i < 200; i++) {
      const pending = await sql<{ n: number }>`
        select count(*)::int as n from graphile_worker.jobs
        where task_identifier = 'import-subscribers'`.execute(gateway.database.db);
      if (pending.rows[0].n === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await subscribersOf(accountId)).toEqual(before);
    expect(await waitForImport(gateway, key, queued.id)).toEqual(done);
  });

  it("with updateExisting false leaves existing subscribers as they are but joins them to the list", async () => {
    const { id: accountId, key } = await gateway.account("keep");
    const members = await list(accountId, "VIP");
    await gateway.database.db
      .insertInto("subscribers")
      .values({ account_id: accountId, email: "kept@example.com", first_name: "Kept" })
      .execute();
    const queued = await uploadOk(
      gateway,
      key,
      "email,first_name\nKEPT@example.com,Changed\nnew@example.com,New\n",
      { listId: members.globalId, updateExisting: false },
    );
    const done = await waitForImport(gateway, key, queued.id);
    expect(done).toMatchObject({
      status: "COMPLETED",
      total: 2,
      created: 1,
      updated: 0,
      invalid: 0,
    });
    expect((await subscribersOf(accountId)).map((s) => [s.email, s.first_name])).toEqual([
      ["kept@example.com", "Kept"],
      ["new@example.com", "New"],
    ]);
    const joined = await gateway.database.db
      .selectFrom("subscriptions")
      .select("subscriber_id")
      .where("list_id", "=", members.id)
      .execute();
    expect(joined).toHaveLength(2);
  });

  it("requires a required custom field of new subscribers only, and gives new ones the defaults", async () => {
    const { id: accountId, key } = await gateway.account("required");
    const country = await field(accountId, "Country", "string", { required: true });
    const tier = await field(accountId, "Tier", "dropdown", {
      options: ["basic", "gold"],
      default_value: "basic",
    });
    await gateway.database.db
      .insertInto("subscribers")
      .values({
        account_id: accountId,
        email: "known@example.com",
        custom_values: JSON.stringify({ [country]: "NL", [tier]: "gold" }),
      })
      .execute();

    const first = await uploadOk(
      gateway,
      key,
      "email,first_name\nknown@example.com,Known\nstranger@example.com,Stranger\n",
    );
    expect(await waitForImport(gateway, key, first.id)).toMatchObject({
      created: 0,
      updated: 1,
      invalid: 1,
    });
    expect((await errorsOf(key, first.id)).edges.map((edge) => edge.node)).toEqual([
      { row: 2, email: "stranger@example.com", message: "missing required custom field Country" },
    ]);

    const second = await uploadOk(
      gateway,
      key,
      "email,country\nfriend@example.com,FR\nknown@example.com,\n",
    );
    expect(await waitForImport(gateway, key, second.id)).toMatchObject({
      created: 1,
      updated: 1,
      invalid: 0,
    });
    const people = await subscribersOf(accountId);
    expect(people.map((s) => [s.email, s.first_name, s.custom_values])).toEqual([
      ["friend@example.com", null, { [country]: "FR", [tier]: "basic" }],
      ["known@example.com", "Known", { [country]: "NL", [tier]: "gold" }],
    ]);
  });

  it("reads spreadsheet exports: BOM, semicolons, CRLF, quoted line breaks; a quote never closed is a row error", async () => {
    const { id: accountId, key } = await gateway.account("excel");
    const csv =
      '\uFEFFE-mail;Vorname;Nachname\r\nmarie@example.com;Marie;"Curie\r\nSklodowska"\r\nhans@example.com;Hans;Zimmer\r\n"broken@example.com;never closed\r\n';
    const done = await waitForImport(gateway, key, (await uploadOk(gateway, key, csv)).id);
    expect(done).toMatchObject({ status: "COMPLETED", total: 3, created: 2, invalid: 1 });
    const people = await subscribersOf(accountId);
    expect(people.map((s) => s.email)).toEqual(["hans@example.com", "marie@example.com"]);
    const [error] = (await errorsOf(key, done.id)).edges.map((edge) => edge.node);
    expect(error.row).toBe(3);
    expect(error.message).toMatch(/never closed/);
  });

  it("keeps backslashes, tabs and line breaks inside values exactly; refuses a row with a NUL", async () => {
    const { id: accountId, key } = await gateway.account("escapes");
    const notes = await field(accountId, "Notes", "string");
    const filler = `${"x".repeat(9000)}@example.com`;
    const csv = `email,last_name,notes\n${filler},Filler,\nwin@example.com,"C:\\new\\table","line one\r\nline\ttwo \\N \\. end"\nnul@example.com,Nul,"a \u0000b"\n`;
    const done = await waitForImport(gateway, key, (await uploadOk(gateway, key, csv)).id);
    expect(done).toMatchObject({ status: "COMPLETED", created: 1, invalid: 2 });
    const people = await subscribersOf(accountId);
    expect(people.map((s) => s.email)).toEqual(["win@example.com"]);
    const [person] = people;
    expect(person.last_name).toBe("C:\\new\\table");
    expect(person.custom_values).toEqual({ [notes]: "line one\r\nline\ttwo \\N \\. end" });
    const errors = (await errorsOf(key, done.id)).edges.map((edge) => edge.node);
    expect(errors.map((error) => error.row)).toEqual([1, 3]);
    expect(errors.find((error) => error.row === 3)?.message).toMatch(/NUL/);
  });

  it("fails a file that is not CSV or has no email column, with a reason, and never retries it", async () => {
    const { key } = await gateway.account("not-csv");
    const png = new Uint8Array([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72,
    ]);
    const cases: [string | Uint8Array, { name?: string; type?: string }, RegExp][] = [
      [png, { name: "photo.png", type: "image/png" }, /not CSV text/],
      ["name,phone\nAnn,123\n", {}, /no email column.*"name", "phone"/],
      ["", { name: "empty.csv" }, /empty/],
      [
        '{"email": "a@example.com"}',
        { name: "people.json", type: "application/json" },
        /no email column/,
      ],
    ];
    for (const [content, file, reason] of cases) {
      const queued = await uploadOk(gateway, key, content, {}, file);
      const done = await waitForImport(gateway, key, queued.id);
      expect(done.status).toBe("FAILED");
      expect(done.failure).toMatch(reason);
      expect(done.progress).toBe(1);
    }
    const left = await sql<{ n: number }>`
      select count(*)::int as n from graphile_worker.jobs where task_identifier = 'import-subscribers'`.execute(
      gateway.database.db,
    );
    expect(left.rows[0].n).toBe(0);
  });
});

describe("importSubscribers refuses bad requests and changes nothing", () => {
  async function importCount(accountId: string): Promise<number> {
    const { n } = await gateway.database.db
      .selectFrom("imports")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("account_id", "=", accountId)
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  it("asks for a key, and for the imports:write scope", async () => {
    const { id: accountId } = await gateway.account("scopes");
    const anonymous = await upload(gateway, null, { content: "email\na@example.com\n" });
    expect(anonymous.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
    const reader = await gateway.key(accountId, ["imports:read", "subscribers:write"]);
    const forbidden = await upload(gateway, reader, { content: "email\na@example.com\n" });
    expect(forbidden.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    const noRead = await gateway.key(accountId, ["subscribers:read"]);
    const listing = await gateway.graphql("{ imports { totalCount } }", {}, noRead);
    expect(listing.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    expect(await importCount(accountId)).toBe(0);
  });

  it("answers NotFoundError for another account's list or a malformed list id", async () => {
    const { id: accountId, key } = await gateway.account("lists");
    const other = await gateway.account("lists-other");
    const foreign = await list(other.id, "Theirs");
    for (const listId of [
      foreign.globalId,
      "not-an-id",
      Buffer.from("Tag:00").toString("base64"),
    ]) {
      const response = await upload(
        gateway,
        key,
        { content: "email\na@example.com\n" },
        { listId },
      );
      expect(response.data?.importSubscribers.__typename).toBe("NotFoundError");
    }
    expect(await importCount(accountId)).toBe(0);
  });

  it("answers ValidationError when `file` is not a multipart file", async () => {
    const { id: accountId, key } = await gateway.account("no-file");
    const response = await gateway.graphql<{ importSubscribers: { __typename: string } }>(
      `mutation($input: ImportSubscribersInput!) { importSubscribers(input: $input) { __typename } }`,
      { input: { file: "email\na@example.com\n" } },
      key,
    );
    expect(response.data?.importSubscribers.__typename).toBe("ValidationError");
    expect(await importCount(accountId)).toBe(0);
  });
});
