import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../../src/domain/accounts/accounts.js";
import type { Context } from "../../src/domain/context.js";
import { Validation } from "../../src/domain/errors.js";
import { createImportFromRows } from "../../src/domain/imports/create.js";
import { findUnstorable, textProblem } from "../../src/domain/text.js";
import { jobs } from "../../src/jobs/queue.js";
import { createLogger } from "../../src/log.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

// The storable-text rule every surface applies at its edge, and the import's own guard behind it:
// rows given as objects with a NUL used to be stored with the NUL dropped (another address).

describe("text that can be stored", () => {
  it("is text without a NUL and without a lone surrogate", () => {
    expect(textProblem("émile 😀 @x.example")).toBeNull();
    expect(textProblem("a\u0000b")).toBe("nul");
    expect(textProblem("a\ud800b")).toBe("unicode");
    expect(textProblem("\udc00")).toBe("unicode");
  });

  it("is looked for in keys and values, in document order, at any depth", () => {
    const value = { a: ["ok", "x\u0000"], "k\u0000": 1, b: { c: "\ud800" } };
    expect(findUnstorable(value)).toEqual([
      { path: ["a", 1], problem: "nul" },
      { path: ["k\u0000"], problem: "nul" },
      { path: ["b", "c"], problem: "unicode" },
    ]);
    // 100,000 levels: no stack overflow, and the path is exact.
    let deep: unknown = "\u0000";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const [found] = findUnstorable(deep);
    expect(found?.path).toHaveLength(100_000);
  });
});

describe("an import of rows", () => {
  let database: TestDatabase;
  let ctx: Context;
  beforeAll(async () => {
    database = await createTestDatabase();
    const { account } = await createAccount(database.db, { name: "rows" });
    ctx = { db: database.db, jobs, log: createLogger("silent"), account, key: null };
  });
  afterAll(() => database.drop());

  it("refuses a row with a NUL as a Validation, and keeps nothing", async () => {
    const attempt = createImportFromRows(ctx, {
      source: "botamp",
      rows: [{ email: "fine@x.example" }, { email: "strip\u0000me@x.example" }],
    });
    await expect(attempt).rejects.toBeInstanceOf(Validation);
    await expect(attempt).rejects.toMatchObject({
      issues: [{ path: ["rows", "1", "email"], message: expect.stringMatching(/NUL/) }],
    });
    const imports = await database.db.selectFrom("imports").select("id").execute();
    const chunks = await database.db.selectFrom("import_chunks").select("seq").execute();
    expect({ imports, chunks }).toEqual({ imports: [], chunks: [] });
  });
});
