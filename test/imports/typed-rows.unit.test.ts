import { describe, expect, it } from "vitest";
import { Validation } from "../../src/domain/errors.js";
import {
  cellOf,
  cellRecordText,
  cellText,
  columnsOf,
  recordsOfChunk,
  rowChunks,
} from "../../src/domain/imports/typed-rows.js";

// Rows given as objects are stored as typed values, whole rows per chunk, and read back by the
// import job as the text a CSV cell would hold: without a database.

async function chunksOf(
  columns: string[],
  rows: Record<string, unknown>[],
  chunkBytes = 1024 * 1024,
): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of rowChunks(columns, rows, () => {}, chunkBytes)) chunks.push(chunk);
  return chunks;
}

describe("cells", () => {
  it("keeps text, writes numbers, booleans and dates as text, and lists as lists", () => {
    expect(cellOf("Ada")).toBe("Ada");
    expect(cellOf(42)).toBe("42");
    expect(cellOf(false)).toBe("false");
    expect(cellOf(new Date("2020-01-02T03:04:05Z"))).toBe("2020-01-02T03:04:05.000Z");
    expect(cellOf(["vip", 1, ["a", "b"]])).toEqual(["vip", "1", "a|b"]);
    expect(cellOf({ a: 1 })).toBe('{"a":1}');
  });

  it("is blank for null and undefined, and keeps an empty string", () => {
    expect(cellOf(null)).toBeNull();
    expect(cellOf(undefined)).toBeNull();
    expect(cellOf("")).toBe("");
    expect(cellText(undefined)).toBe("");
  });

  it("reads a list back as a tags cell, joined by the tag separator", () => {
    expect(cellRecordText(["vip", "Math | Logic"])).toBe("vip|Math | Logic");
    expect(cellRecordText(null)).toBe("");
    expect(cellRecordText([])).toBe("");
  });
});

describe("columnsOf", () => {
  it("lists every key of the rows in the order first seen", () => {
    expect(columnsOf([{ email: "a" }, { name: "b", email: "c" }, {}])).toEqual(["email", "name"]);
    expect(columnsOf([])).toEqual([]);
  });
});

describe("rowChunks and recordsOfChunk", () => {
  it("stores the rows and gives them back in column order, with the text of each cell", async () => {
    const columns = ["email", "first_name", "tags", "address"];
    const chunks = await chunksOf(columns, [
      { email: "a@example.com", first_name: "Ada", tags: ["vip", "x"], address: 'L1\n"L2",\t\\' },
      { first_name: "No email", ignored: "never read" },
      {},
    ]);
    expect(chunks).toHaveLength(1);
    expect(recordsOfChunk(chunks[0])).toEqual([
      ["a@example.com", "Ada", "vip|x", 'L1\n"L2",\t\\'],
      ["", "No email", "", ""],
      ["", "", "", ""],
    ]);
  });

  it("cuts chunks between whole rows only, each readable on its own, in order", async () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ email: `person${i}@example.com` }));
    const chunks = await chunksOf(["email"], rows, 100);
    expect(chunks.length).toBeGreaterThan(5);
    const emails = chunks.flatMap((chunk) => recordsOfChunk(chunk).map(([email]) => email));
    expect(emails).toEqual(rows.map((row) => row.email));
  });

  it("stores nothing for no rows", async () => {
    expect(await chunksOf(["email"], [])).toEqual([]);
  });

  it("counts the rows as they are stored", async () => {
    let counted = 0;
    for await (const _ of rowChunks(
      ["email"],
      [{ email: "a" }, { email: "b" }],
      () => counted++,
      1 << 20,
    ));
    expect(counted).toBe(2);
  });

  it("refuses text Postgres cannot hold, naming the row and column", async () => {
    const nul = chunksOf(
      ["email"],
      [{ email: "fine@x.example" }, { email: "strip\u0000me@x.example" }],
    );
    await expect(nul).rejects.toBeInstanceOf(Validation);
    await expect(nul).rejects.toMatchObject({
      issues: [{ path: ["rows", "1", "email"], message: expect.stringMatching(/NUL/) }],
    });
    await expect(
      chunksOf(["email", "tags"], [{ email: "a@x.example", tags: ["ok", "\ud800"] }]),
    ).rejects.toMatchObject({
      issues: [{ path: ["rows", "0", "tags"], message: expect.stringMatching(/UTF-8/) }],
    });
  });

  it("refuses a stored chunk that is not JSON rows", () => {
    expect(() => recordsOfChunk(Buffer.from("email\na@example.com\n"))).toThrow();
  });
});
