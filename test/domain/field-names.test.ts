import { describe, expect, it } from "vitest";
import { columnNameOf, mergeTagOf, slugOf } from "../../src/domain/fields/names.js";

describe("names a custom field gets at creation", () => {
  it("makes a merge tag of the name's words, upper-case", () => {
    expect(mergeTagOf("Company size")).toBe("MERGE_COMPANY_SIZE");
    expect(mergeTagOf("  Área (m²) ")).toBe("MERGE_AREA_M2");
    expect(mergeTagOf("--first---name--")).toBe("MERGE_FIRST_NAME");
  });

  it("makes a column name of [a-z0-9_] only, with a random suffix", () => {
    const names = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const name = columnNameOf("Café Owner's #1");
      expect(name).toMatch(/^custom_cafe_owner_s_1_[a-z0-9]{6}$/);
      names.add(name);
    }
    expect(names.size).toBeGreaterThan(45);
  });

  it("still gives a usable slug to a name without Latin letters or digits", () => {
    expect(slugOf("日本語")).toBe("field");
    expect(columnNameOf("🙂")).toMatch(/^custom_field_[a-z0-9]{6}$/);
  });
});
