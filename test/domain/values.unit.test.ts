import { describe, expect, it } from "vitest";
import { MAX_CUSTOM_TEXT } from "../../src/domain/bounds.js";
import {
  applyCustomValues,
  type CustomFieldDefinition,
  coerceValue,
  isDate,
} from "../../src/domain/fields/values.js";

// Custom values as every surface stores them (GraphQL, the REST dialects, CSV imports), without
// a database: what each type takes, what it refuses and how it says so.

type Kind = Pick<CustomFieldDefinition, "type" | "options">;

const STRING: Kind = { type: "string", options: [] };
const NUMBER: Kind = { type: "number", options: [] };
const BOOLEAN: Kind = { type: "boolean", options: [] };
const DATE: Kind = { type: "date", options: [] };
const PLAN: Kind = { type: "dropdown", options: ["Free", "Pro", "Team"] };

describe("isDate", () => {
  it("takes a real calendar day written YYYY-MM-DD", () => {
    for (const day of ["2024-02-29", "2000-02-29", "1999-12-31", "1900-01-01", "9999-12-31"])
      expect(isDate(day), day).toBe(true);
  });

  it("refuses days that do not exist and other spellings", () => {
    for (const day of [
      "2023-02-29",
      "1900-02-29",
      "2024-13-01",
      "2024-00-10",
      "2024-04-31",
      "2024-1-5",
      "24-01-05",
      "2024/01/05",
      "05-01-2024",
      " 2024-01-05",
      "2024-01-05T00:00:00Z",
      "",
      "tomorrow",
    ])
      expect(isDate(day), day).toBe(false);
  });
});

describe("coerceValue", () => {
  it("clears the value for null, undefined and the empty string, whatever the type", () => {
    for (const field of [STRING, NUMBER, BOOLEAN, DATE, PLAN])
      for (const raw of [null, undefined, ""])
        expect(coerceValue(field, raw)).toEqual({ ok: true, value: null });
  });

  it("stores a string field's scalars as text", () => {
    expect(coerceValue(STRING, "Paris")).toEqual({ ok: true, value: "Paris" });
    expect(coerceValue(STRING, 42)).toEqual({ ok: true, value: "42" });
    expect(coerceValue(STRING, false)).toEqual({ ok: true, value: "false" });
  });

  it("refuses an array or an object for every type, without walking it", () => {
    let deep: unknown = [];
    for (let level = 0; level < 100_000; level++) deep = [deep];
    expect(coerceValue(STRING, deep)).toEqual({ ok: false, message: "must be a string" });
    expect(coerceValue(NUMBER, { a: 1 })).toEqual({ ok: false, message: "must be a number" });
    expect(coerceValue(BOOLEAN, [true])).toEqual({ ok: false, message: "must be a boolean" });
    expect(coerceValue(DATE, {})).toEqual({ ok: false, message: "must be a date (YYYY-MM-DD)" });
    expect(coerceValue(PLAN, ["Pro"])).toEqual({
      ok: false,
      message: "must be one of the options",
    });
  });

  it("refuses text longer than a custom value may be, and takes it at the limit", () => {
    expect(coerceValue(STRING, "x".repeat(MAX_CUSTOM_TEXT))).toEqual({
      ok: true,
      value: "x".repeat(MAX_CUSTOM_TEXT),
    });
    expect(coerceValue(STRING, "x".repeat(MAX_CUSTOM_TEXT + 1))).toEqual({
      ok: false,
      message: "may be at most 4,000 characters",
    });
    expect(coerceValue(NUMBER, "1".repeat(MAX_CUSTOM_TEXT + 1))).toEqual({
      ok: false,
      message: "may be at most 4,000 characters",
    });
  });

  it("reads a number from a number or trimmed numeric text", () => {
    expect(coerceValue(NUMBER, 3.5)).toEqual({ ok: true, value: 3.5 });
    expect(coerceValue(NUMBER, " 42 ")).toEqual({ ok: true, value: 42 });
    expect(coerceValue(NUMBER, "-1e3")).toEqual({ ok: true, value: -1000 });
    expect(coerceValue(NUMBER, 0)).toEqual({ ok: true, value: 0 });
  });

  it("refuses what is not a finite number, quoting it", () => {
    expect(coerceValue(NUMBER, "12abc")).toEqual({ ok: false, message: '"12abc" is not a number' });
    expect(coerceValue(NUMBER, "   ")).toEqual({ ok: false, message: '"   " is not a number' });
    expect(coerceValue(NUMBER, "Infinity")).toEqual({
      ok: false,
      message: '"Infinity" is not a number',
    });
    expect(coerceValue(NUMBER, Number.NaN)).toEqual({
      ok: false,
      message: '"NaN" is not a number',
    });
    expect(coerceValue(NUMBER, true)).toEqual({ ok: false, message: '"true" is not a number' });
  });

  it("cuts a long refused value short in its message", () => {
    const result = coerceValue(NUMBER, "n".repeat(500));
    expect(result).toEqual({ ok: false, message: `"${"n".repeat(60)}…" is not a number` });
  });

  it("reads a boolean from a boolean or the usual yes and no words, any case", () => {
    for (const raw of [true, "true", "TRUE", " yes ", "y", "1", 1, "on"])
      expect(coerceValue(BOOLEAN, raw), String(raw)).toEqual({ ok: true, value: true });
    for (const raw of [false, "false", "No", "n", "0", 0, "OFF"])
      expect(coerceValue(BOOLEAN, raw), String(raw)).toEqual({ ok: true, value: false });
  });

  it("refuses other words for a boolean", () => {
    for (const raw of ["maybe", "2", "yess", "t", -1])
      expect(coerceValue(BOOLEAN, raw)).toEqual({
        ok: false,
        message: `"${raw}" is not a boolean (true or false)`,
      });
  });

  it("takes a trimmed calendar date and refuses anything else", () => {
    expect(coerceValue(DATE, " 2024-02-29 ")).toEqual({ ok: true, value: "2024-02-29" });
    expect(coerceValue(DATE, "2023-02-29")).toEqual({
      ok: false,
      message: '"2023-02-29" is not a date (YYYY-MM-DD)',
    });
    expect(coerceValue(DATE, 20240229)).toEqual({
      ok: false,
      message: '"20240229" is not a date (YYYY-MM-DD)',
    });
  });

  it("stores a dropdown option in the field's own spelling, whatever the case sent", () => {
    expect(coerceValue(PLAN, "pro")).toEqual({ ok: true, value: "Pro" });
    expect(coerceValue(PLAN, " TEAM ")).toEqual({ ok: true, value: "Team" });
    expect(coerceValue({ type: "dropdown", options: ["1", "2"] }, 2)).toEqual({
      ok: true,
      value: "2",
    });
  });

  it("refuses a value that is none of the options, listing them", () => {
    expect(coerceValue(PLAN, "Enterprise")).toEqual({
      ok: false,
      message: '"Enterprise" is not one of the options (Free, Pro, Team)',
    });
    expect(coerceValue(PLAN, true)).toEqual({
      ok: false,
      message: '"true" is not one of the options (Free, Pro, Team)',
    });
  });
});

function field(
  overrides: Partial<CustomFieldDefinition> & Pick<CustomFieldDefinition, "id">,
): CustomFieldDefinition {
  return {
    name: `Field ${overrides.id}`,
    type: "string",
    options: [],
    required: false,
    default_value: null,
    list_id: null,
    ...overrides,
  };
}

describe("applyCustomValues", () => {
  const city = field({ id: "1", name: "City" });
  const age = field({ id: "2", name: "Age", type: "number" });
  const plan = field({ id: "3", name: "Plan", type: "dropdown", options: ["free", "pro"] });
  const fields = [city, age, plan];

  it("gives a new subscriber the fields' defaults, unless the write sends a value", () => {
    const withDefault = [city, { ...plan, default_value: "free" }];
    expect(applyCustomValues(withDefault, { current: null, changes: new Map(), path: [] })).toEqual(
      { values: { "3": "free" }, issues: [] },
    );
    expect(
      applyCustomValues(withDefault, {
        current: null,
        changes: new Map([["3", "PRO"]]),
        path: [],
      }),
    ).toEqual({ values: { "3": "pro" }, issues: [] });
    // A new subscriber that clears the field does not get the default back.
    expect(
      applyCustomValues(withDefault, { current: null, changes: new Map([["3", null]]), path: [] }),
    ).toEqual({ values: {}, issues: [] });
  });

  it("does not apply defaults to an existing subscriber", () => {
    const withDefault = [{ ...plan, default_value: "free" }];
    expect(
      applyCustomValues(withDefault, { current: {}, changes: new Map(), path: [] }).values,
    ).toEqual({});
  });

  it("merges changes into the stored values; null clears one", () => {
    const result = applyCustomValues(fields, {
      current: { "1": "Lyon", "2": 30 },
      changes: new Map<string, unknown>([
        ["1", null],
        ["2", "31"],
      ]),
      path: ["customValues"],
    });
    expect(result).toEqual({ values: { "2": 31 }, issues: [] });
  });

  it("reports each bad value at the field's name and an unknown field at its id", () => {
    const result = applyCustomValues(fields, {
      current: { "2": 30 },
      changes: new Map<string, unknown>([
        ["2", "old"],
        ["3", "gold"],
        ["99", "x"],
      ]),
      path: ["subscribers", "3", "customValues"],
    });
    expect(result.issues).toEqual([
      { path: ["subscribers", "3", "customValues", "Age"], message: '"old" is not a number' },
      {
        path: ["subscribers", "3", "customValues", "Plan"],
        message: '"gold" is not one of the options (free, pro)',
      },
      { path: ["subscribers", "3", "customValues", "99"], message: "no such custom field" },
    ]);
    // The stored value stays as it was.
    expect(result.values).toEqual({ "2": 30 });
  });

  it("requires an account-wide required field on every write, not a list's own", () => {
    const required = [
      { ...city, required: true },
      field({ id: "4", name: "Team", required: true, list_id: "7" }),
    ];
    expect(
      applyCustomValues(required, { current: null, changes: new Map(), path: [] }).issues,
    ).toEqual([{ path: ["City"], message: "is required" }]);
    expect(
      applyCustomValues(required, {
        current: { "1": "Lyon" },
        changes: new Map([["1", ""]]),
        path: [],
      }).issues,
    ).toEqual([{ path: ["City"], message: "is required" }]);
    expect(
      applyCustomValues(required, { current: { "1": "Lyon" }, changes: new Map(), path: [] })
        .issues,
    ).toEqual([]);
  });

  it("ignores a default that no longer fits its field", () => {
    const stale = [{ ...age, default_value: "not a number" }];
    expect(applyCustomValues(stale, { current: null, changes: new Map(), path: [] })).toEqual({
      values: {},
      issues: [],
    });
  });
});
