import { writeFileSync } from "node:fs";
import { printSchema } from "graphql";
import { schema } from "./src/graphql/schema.js";

// Writes the committed SDL; test/graphql/schema.test.ts fails when it drifts from the code.
export const schemaFile = new URL("./schema/schema.graphql", import.meta.url);

export function generatedSchema(): string {
  return `${printSchema(schema)}\n`;
}

if (process.argv[1]?.endsWith("codegen.ts")) {
  writeFileSync(schemaFile, generatedSchema());
  console.log("wrote schema/schema.graphql");
}
