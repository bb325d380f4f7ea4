import { readFile } from "node:fs/promises";
import ts from "typescript";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

// src/db/types.ts is kept by hand beside the migrations. This test holds it to the schema the
// migrations really build: the same tables, the same columns, and `| null` exactly where a
// column may be null. A migration that adds a column without its type fails here, not at run
// time in a query that Kysely let through.

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

/** Each table the `Database` interface names, with its columns and whether each may be null. */
async function declaredTables(): Promise<Map<string, Map<string, boolean>>> {
  const source = ts.createSourceFile(
    "types.ts",
    await readFile("src/db/types.ts", "utf8"),
    ts.ScriptTarget.Latest,
  );
  const interfaces = new Map<string, ts.InterfaceDeclaration>();
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node)) interfaces.set(node.name.text, node);
  });
  const tables = new Map<string, Map<string, boolean>>();
  for (const member of interfaces.get("Database")?.members ?? []) {
    if (!ts.isPropertySignature(member) || !member.type) continue;
    const table = member.name.getText(source);
    const columns = new Map<string, boolean>();
    for (const column of interfaces.get(member.type.getText(source))?.members ?? []) {
      if (!ts.isPropertySignature(column) || !column.type) continue;
      // `T | null`, or a ColumnType whose selected type (its first argument) holds null
      // (`unknown` does).
      const nullable = /^[^,<]*\|\s*null|^ColumnType<([^,]*\|\s*null|unknown)/.test(
        column.type.getText(source),
      );
      columns.set(column.name.getText(source), nullable);
    }
    tables.set(table, columns);
  }
  return tables;
}

it("declares every table and column the migrations create, nullable exactly where they are", async () => {
  const { rows } = await database.pool.query<{
    table_name: string;
    column_name: string;
    is_nullable: "YES" | "NO";
  }>(
    `select table_name, column_name, is_nullable
       from information_schema.columns
      where table_schema = 'public' and table_name not like 'kysely_migration%'
      order by table_name, ordinal_position`,
  );
  const actual = new Map<string, Map<string, boolean>>();
  for (const row of rows) {
    const columns = actual.get(row.table_name) ?? new Map<string, boolean>();
    columns.set(row.column_name, row.is_nullable === "YES");
    actual.set(row.table_name, columns);
  }
  const declared = await declaredTables();
  expect(declared.size).toBeGreaterThan(10);

  const sorted = (tables: Map<string, Map<string, boolean>>) =>
    Object.fromEntries(
      [...tables.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([table, columns]) => [
          table,
          Object.fromEntries([...columns.entries()].sort(([a], [b]) => a.localeCompare(b))),
        ]),
    );
  expect(sorted(declared)).toEqual(sorted(actual));
});
