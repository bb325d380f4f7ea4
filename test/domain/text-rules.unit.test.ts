import { describe, expect, it } from "vitest";
import {
  MAX_BODY,
  MAX_CUSTOM_TEXT,
  MAX_DESCRIPTION,
  MAX_EMAIL,
  MAX_LONG_TEXT,
  MAX_OPTION,
  MAX_SHORT_TEXT,
  MAX_SUBJECT,
  shown,
  tooLong,
} from "../../src/domain/bounds.js";
import { containing } from "../../src/domain/like.js";
import { describeProblem, findUnstorable, textProblem } from "../../src/domain/text.js";

// The text rules every surface shares, without a database: what can be stored, how long it may
// be, how a refused value is quoted, and how a search term becomes an ilike pattern.

describe("textProblem and describeProblem", () => {
  it("takes any valid Unicode without a NUL", () => {
    for (const text of ["", "plain", "émile 😀 @x.example", "\u00a0\t\n", "\uFFFD", "𝔘𝔫𝔦"])
      expect(textProblem(text), text).toBeNull();
  });

  it("refuses a NUL anywhere, before anything else", () => {
    expect(textProblem("\u0000")).toBe("nul");
    expect(textProblem("end\u0000")).toBe("nul");
    expect(textProblem("\ud800\u0000")).toBe("nul");
  });

  it("refuses a lone surrogate, high or low, at either end", () => {
    for (const text of ["\ud800", "a\udbffb", "\udc00z", "😀\ude00", "\ud83d\ud83d"])
      expect(textProblem(text), JSON.stringify(text)).toBe("unicode");
  });

  it("says each problem in the shared wording", () => {
    expect(describeProblem("nul")).toBe("must not contain a NUL character (\\u0000)");
    expect(describeProblem("unicode")).toBe(
      "must be valid UTF-8 (no invalid bytes, no lone surrogates)",
    );
  });
});

describe("findUnstorable", () => {
  it("finds nothing in storable JSON, numbers and nulls included", () => {
    expect(findUnstorable({ a: [1, null, true, "ok"], b: { é: "ü" } })).toEqual([]);
    expect(findUnstorable("fine")).toEqual([]);
    expect(findUnstorable(null)).toEqual([]);
  });

  it("names the root of a bare string with an empty path", () => {
    expect(findUnstorable("a\u0000")).toEqual([{ path: [], problem: "nul" }]);
  });

  it("stops at the limit it is given", () => {
    const many = Array.from({ length: 50 }, () => "\u0000");
    expect(findUnstorable(many)).toHaveLength(20);
    expect(findUnstorable(many, 3)).toEqual([
      { path: [0], problem: "nul" },
      { path: [1], problem: "nul" },
      { path: [2], problem: "nul" },
    ]);
  });

  it("does not look into what JSON does not decode to", () => {
    expect(findUnstorable({ date: new Date(0), buffer: Buffer.from([0]) })).toEqual([]);
    expect(findUnstorable(new Map([["k", "\u0000"]]))).toEqual([]);
  });
});

describe("bounds", () => {
  it("are the documented lengths", () => {
    expect({
      MAX_EMAIL,
      MAX_SHORT_TEXT,
      MAX_LONG_TEXT,
      MAX_CUSTOM_TEXT,
      MAX_OPTION,
      MAX_DESCRIPTION,
      MAX_SUBJECT,
      MAX_BODY,
    }).toEqual({
      MAX_EMAIL: 254,
      MAX_SHORT_TEXT: 255,
      MAX_LONG_TEXT: 1_000,
      MAX_CUSTOM_TEXT: 4_000,
      MAX_OPTION: 255,
      MAX_DESCRIPTION: 2_000,
      MAX_SUBJECT: 998,
      MAX_BODY: 500_000,
    });
  });

  it("say an over-long value in one wording, with thousands separated", () => {
    expect(tooLong(255)).toBe("may be at most 255 characters");
    expect(tooLong(4_000)).toBe("may be at most 4,000 characters");
    expect(tooLong(500_000)).toBe("may be at most 500,000 characters");
  });

  it("quote a value whole up to 60 characters, and cut it short after", () => {
    expect(shown("")).toBe('""');
    expect(shown("x".repeat(60))).toBe(`"${"x".repeat(60)}"`);
    expect(shown("x".repeat(61))).toBe(`"${"x".repeat(60)}…"`);
    expect(shown("y".repeat(1_000_000))).toHaveLength(63);
  });
});

/** Postgres's LIKE with `\` as the escape, as a RegExp (case-insensitive, like ilike). */
function ilike(pattern: string): RegExp {
  let source = "";
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index];
    if (char === "\\") source += (pattern[++index] ?? "").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    else if (char === "%") source += "[\\s\\S]*";
    else if (char === "_") source += "[\\s\\S]";
    else source += char.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`, "i");
}

describe("containing", () => {
  it("wraps the text in % for 'contains'", () => {
    expect(containing("ana")).toBe("%ana%");
    expect(containing("")).toBe("%%");
  });

  it("escapes the client's %, _ and \\ so they match only themselves", () => {
    expect(containing("50%")).toBe("%50\\%%");
    expect(containing("first_name")).toBe("%first\\_name%");
    expect(containing("C:\\dir")).toBe("%C:\\\\dir%");
    expect(containing("%_\\")).toBe("%\\%\\_\\\\%");
  });

  it("finds what contains the text, any case, and nothing a wildcard would add", () => {
    expect(ilike(containing("ANA")).test("Mariana Souza")).toBe(true);
    expect(ilike(containing("50%")).test("Save 50% now")).toBe(true);
    expect(ilike(containing("50%")).test("Save 500 now")).toBe(false);
    expect(ilike(containing("a_c")).test("xa_cx")).toBe(true);
    expect(ilike(containing("a_c")).test("abc")).toBe(false);
    expect(ilike(containing("a\\b")).test("a\\b")).toBe(true);
    expect(ilike(containing("a\\b")).test("ab")).toBe(false);
    expect(ilike(containing("%")).test("no percent")).toBe(false);
  });
});
