import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAccount } from "../../../src/domain/accounts/accounts.js";
import { type LoggedApp, startLoggedApp } from "../../helpers/logged-app.js";

// An unexpected error (here a table gone from under the code) answers in Mailtrain's envelope,
// a 500 `{"error": …, "data": []}` naming the request id and nothing of the cause, which the log
// has. It used to leave through the app's catch-all as `{"error":"internal error","requestId"}`.

let app: LoggedApp;

beforeAll(async () => {
  app = await startLoggedApp();
});

afterAll(() => app.close());

it("answers an unexpected error with a 500 in Mailtrain's envelope and logs its cause", async () => {
  const { secret } = await createAccount(app.database.db, { name: "broken" });
  await sql`alter table blocklist rename to blocklist_moved`.execute(app.database.db);
  try {
    for (const [method, path] of [
      ["GET", "/api/blacklist/get"],
      ["POST", "/api/blacklist/add"],
    ] as const) {
      const requestId = `req-mailtrain-${method}`;
      const response = await fetch(`${app.url}${path}?access_token=${secret}`, {
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
      const logged = app.lines.find(
        (line) => line.level === 50 && line.requestId === requestId && line.err,
      );
      expect(logged?.msg).toBe("mailtrain: unexpected error");
      expect(logged?.err?.message).toMatch(/relation "blocklist" does not exist/);
    }
  } finally {
    await sql`alter table blocklist_moved rename to blocklist`.execute(app.database.db);
  }
});
