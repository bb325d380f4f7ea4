import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAccount } from "../../src/domain/accounts/accounts.js";
import { type LoggedApp, startLoggedApp } from "../helpers/logged-app.js";

let app: LoggedApp;

beforeAll(async () => {
  app = await startLoggedApp();
});

afterAll(() => app.close());

it("masks an unexpected exception as 'Unexpected error.' and logs it with the request id", async () => {
  const { secret } = await createAccount(app.database.db, { name: "broken" });
  // A table gone from under the code (say, a half-applied migration): the resolver throws.
  await sql`alter table blocklist rename to blocklist_moved`.execute(app.database.db);
  try {
    const response = await fetch(`${app.url}/graphql`, {
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

    const logged = app.lines.find(
      (line) => line.level === 50 && line.requestId === "req-unexpected-1" && line.err,
    );
    expect(logged?.err?.message).toMatch(/relation "blocklist" does not exist/);
  } finally {
    await sql`alter table blocklist_moved rename to blocklist`.execute(app.database.db);
  }
});
