import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { generatedSchema, schemaFile } from "../../codegen.js";

it("schema/schema.graphql is what the code generates (run `npm run codegen`)", () => {
  expect(readFileSync(schemaFile, "utf8")).toBe(generatedSchema());
});
