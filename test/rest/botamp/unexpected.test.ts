import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAccount } from "../../../src/domain/accounts/accounts.js";
import { type LoggedApp, startLoggedApp } from "../../helpers/logged-app.js";
import { MANY, SINGLE } from "./fixtures.js";

// An unexpected error (here a table gone from under the code), thrown by a handler or by the key
// check's middleware, answers in botamp's envelope as its README says: a 500
// `{"error":{"code":"internal_error","message":…}}` naming the request id and nothing of the
// cause, which the log has. It used to leave through the app's catch-all as
// `{"error":"internal error","requestId":…}`.

let app: LoggedApp;

beforeAll(async () => {
  app = await startLoggedApp();
});

afterAll(() => app.close());

async function expectInternal(
  path: string,
  key: string,
  body: unknown,
  requestId: string,
  cause: RegExp,
): Promise<void> {
  const response = await fetch(`${app.url}${path}`, {
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
  const logged = app.lines.find(
    (line) => line.level === 50 && line.requestId === requestId && line.err,
  );
  expect(logged?.msg).toBe("botamp: unexpected error");
  expect(logged?.err?.message).toMatch(cause);
}

async function withTableMoved(table: string, run: () => Promise<void>): Promise<void> {
  await sql`alter table ${sql.table(table)} rename to ${sql.table(`${table}_moved`)}`.execute(
    app.database.db,
  );
  try {
    await run();
  } finally {
    await sql`alter table ${sql.table(`${table}_moved`)} rename to ${sql.table(table)}`.execute(
      app.database.db,
    );
  }
}

it("answers an error of the key check (a middleware) with botamp's 500", async () => {
  const { secret } = await createAccount(app.database.db, { name: "no-keys" });
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
  const { secret } = await createAccount(app.database.db, { name: "broken" });
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
  const imports = await app.database.db.selectFrom("imports").select("id").execute();
  expect(imports).toEqual([]);
});
