import type { AddressInfo } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { sql } from "kysely";
import { pino } from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAccount } from "../../../src/domain/accounts/accounts.js";
import { createApp } from "../../../src/http/app.js";
import { jobs } from "../../../src/jobs/queue.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/database.js";

// An unexpected error (here a table gone from under the code) answers in Mailtrain's envelope,
// a 500 `{"error": …, "data": []}` naming the request id and nothing of the cause, which the log
// has. It used to leave through the app's catch-all as `{"error":"internal error","requestId"}`.

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

it("answers an unexpected error with a 500 in Mailtrain's envelope and logs its cause", async () => {
  const { secret } = await createAccount(database.db, { name: "broken" });
  await sql`alter table blocklist rename to blocklist_moved`.execute(database.db);
  try {
    for (const [method, path] of [
      ["GET", "/api/blacklist/get"],
      ["POST", "/api/blacklist/add"],
    ] as const) {
      const requestId = `req-mailtrain-${method}`;
      const response = await fetch(`${url}${path}?access_token=${secret}`, {
        method,
        headers: {
          "x-request-id": requestId,
          "content-type": "application/x-www-form-urlencoded",
        },
        ...(method === "POST" ? { body: "EMAIL=someone%40example.com" } : {}),
      });
      const text = await response.text();
      expect(response.status, path).toBe(500);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(JSON.parse(text)).toEqual({
        error: `Internal error (request ${requestId})`,
        data: [],
      });
      expect(text).not.toMatch(/blocklist_moved|relation|does not exist|\n\s+at |\.ts:\d+/);
      const logged = lines.find(
        (line) => line.level === 50 && line.requestId === requestId && line.err,
      );
      expect(logged?.msg).toBe("mailtrain: unexpected error");
      expect(logged?.err?.message).toMatch(/relation "blocklist" does not exist/);
    }
  } finally {
    await sql`alter table blocklist_moved rename to blocklist`.execute(database.db);
  }
});
