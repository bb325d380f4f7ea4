import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { sql } from "kysely";
import { pino } from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAccount } from "../../src/domain/accounts/accounts.js";
import { createApp } from "../../src/http/app.js";
import { jobs } from "../../src/jobs/queue.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

// A live app whose log lines this test reads, to match a masked error with its logged cause.
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

it("masks an unexpected exception as 'Unexpected error.' and logs it with the request id", async () => {
  const { secret } = await createAccount(database.db, { name: "broken" });
  // A table gone from under the code (say, a half-applied migration): the resolver throws.
  await sql`alter table blocklist rename to blocklist_moved`.execute(database.db);
  try {
    const response = await fetch(`${url}/graphql`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${secret}`,
        "x-request-id": "req-unexpected-1",
      },
      body: JSON.stringify({ query: "{ blocklist { totalCount } }" }),
    });
    const text = await response.text();
    expect(response.headers.get("x-request-id")).toBe("req-unexpected-1");
    const body = JSON.parse(text) as { errors: { message: string; extensions?: object }[] };
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].message).toBe("Unexpected error.");
    // Nothing of the cause leaks: no SQL, no table name, no stack.
    expect(text).not.toMatch(/blocklist_moved|relation|does not exist|\n\s+at |\.ts:\d+/);
    expect(response.status).toBe(500);

    const logged = lines.find(
      (line) => line.level === 50 && line.requestId === "req-unexpected-1" && line.err,
    );
    expect(logged?.err?.message).toMatch(/relation "blocklist" does not exist/);
  } finally {
    await sql`alter table blocklist_moved rename to blocklist`.execute(database.db);
  }
});
