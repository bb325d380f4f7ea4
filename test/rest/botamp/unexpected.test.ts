import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { sql } from "kysely";
import { pino } from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAccount } from "../../../src/domain/accounts/accounts.js";
import { createApp } from "../../../src/http/app.js";
import { jobs } from "../../../src/jobs/queue.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/database.js";
import { MANY, SINGLE } from "./fixtures.js";

// An unexpected error (here a table gone from under the code), thrown by a handler or by the key
// check's middleware, answers in botamp's envelope as its README says: a 500
// `{"error":{"code":"internal_error","message":…}}` naming the request id and nothing of the
// cause, which the log has. It used to leave through the app's catch-all as
// `{"error":"internal error","requestId":…}`.

const lines: { level: number; msg: string; requestId?: string; err?: { message: string } }[] = [];
let database: TestDatabase;
let server: ServerType;
let url: string;

beforeAll(async () => {
  database = await createTestDatabase();
  const log = pino({ level: "info" }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const app = createApp({ db: database.db, jobs, log });
  server = await new Promise((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () =>
      resolve(started),
    );
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await database.drop();
});

async function expectInternal(
  path: string,
  key: string,
  body: unknown,
  requestId: string,
  cause: RegExp,
): Promise<void> {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: {
      "x-request-id": requestId,
      "content-type": "application/json",
      authorization: `Bearer ${key}`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  expect(response.status, requestId).toBe(500);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  expect(JSON.parse(text)).toEqual({
    error: {
      code: "internal_error",
      message: `an unexpected error occurred (request ${requestId})`,
    },
  });
  expect(text).not.toMatch(/_moved|relation|does not exist|\n\s+at |\.ts:\d+/);
  const logged = lines.find(
    (line) => line.level === 50 && line.requestId === requestId && line.err,
  );
  expect(logged?.msg).toBe("botamp: unexpected error");
  expect(logged?.err?.message).toMatch(cause);
}

async function withTableMoved(table: string, run: () => Promise<void>): Promise<void> {
  await sql`alter table ${sql.table(table)} rename to ${sql.table(`${table}_moved`)}`.execute(
    database.db,
  );
  try {
    await run();
  } finally {
    await sql`alter table ${sql.table(`${table}_moved`)} rename to ${sql.table(table)}`.execute(
      database.db,
    );
  }
}

it("answers an error of the key check (a middleware) with botamp's 500", async () => {
  const { secret } = await createAccount(database.db, { name: "no-keys" });
  await withTableMoved("api_keys", () =>
    expectInternal(
      SINGLE,
      secret,
      { subscriber: { email: "a@example.com" } },
      "req-botamp-auth",
      /relation "api_keys" does not exist/,
    ),
  );
});

it("answers an error of either endpoint's handler with botamp's 500", async () => {
  const { secret } = await createAccount(database.db, { name: "broken" });
  await withTableMoved("subscribers", () =>
    expectInternal(
      SINGLE,
      secret,
      { subscriber: { email: "a@example.com", name: "Ada King" } },
      "req-botamp-single",
      /relation "subscribers" does not exist/,
    ),
  );
  await withTableMoved("import_chunks", () =>
    expectInternal(
      MANY,
      secret,
      { subscribers: [{ email: "a@example.com" }] },
      "req-botamp-many",
      /relation "import_chunks" does not exist/,
    ),
  );
  const imports = await database.db.selectFrom("imports").select("id").execute();
  expect(imports).toEqual([]);
});
