import { describe, expect, it } from "vitest";
import {
  recipientValues,
  renderText,
  valuesFor,
  variablesIn,
} from "../../src/domain/templates/variables.js";

// What a recipient reads: positional and named variables filled, the rest reported by name.

const ada = {
  email: "ada@example.com",
  first_name: "Ada",
  last_name: "Lovelace",
  phone: "+14155550100",
  company: null,
  job_title: null,
  country: null,
  address: null,
  website: null,
  postal_code: null,
  timezone: null,
  custom_values: { "7": "gold", "8": ["a", "b"] },
};
const fields = [
  { id: "7", name: "Plan", merge_tag: "MERGE_PLAN" },
  { id: "8", name: "interests", merge_tag: "INTERESTS" },
  { id: "9", name: "unset", merge_tag: "UNSET" },
];

describe("template variables", () => {
  it("lists each variable once, in order, positional and named, in lower case", () => {
    expect(
      variablesIn("Hi {{ First_Name }}, code {{1}} and {{2}}; again {{1}} {{first_name}}"),
    ).toEqual(["first_name", "1", "2"]);
    expect(variablesIn("no variables, {single} braces, {{}} empty")).toEqual([]);
  });

  it("fills what it has and reports what it lacks, leaving those as written", () => {
    expect(
      renderText("Hi {{first_name}}, {{1}} off until {{2}}", { first_name: "Ada", "1": "20%" }),
    ).toEqual({
      text: "Hi Ada, 20% off until {{2}}",
      missing: ["2"],
    });
  });

  it("names a subscriber's fields and custom fields by name and merge tag, empty when unset", () => {
    const values = recipientValues(ada, fields);
    expect(values).toMatchObject({
      first_name: "Ada",
      name: "Ada Lovelace",
      phone: "+14155550100",
      company: "",
      plan: "gold",
      merge_plan: "gold",
      interests: "a, b",
      unset: "",
    });
  });

  it("renders a positional value with the recipient's named values, so one campaign greets each by name", () => {
    const values = valuesFor({ "1": "{{first_name}} ({{plan}})" }, recipientValues(ada, fields));
    expect(renderText("Dear {{1}}", values)).toEqual({ text: "Dear Ada (gold)", missing: [] });
  });
});
