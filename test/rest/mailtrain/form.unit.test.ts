import { describe, expect, it } from "vitest";
import type { FormFieldType } from "../../../src/db/types.js";
import { FORM_FIELD_TYPES } from "../../../src/domain/fields/form-types.js";
import { issuesText, issueText, MailtrainError } from "../../../src/rest/mailtrain/errors.js";
import {
  isOff,
  isYes,
  parseField,
  parseSubscribe,
  readMergeValue,
} from "../../../src/rest/mailtrain/form.js";

// Mailtrain's client notation, without a database: what its flags, dates and bodies mean.

const fieldOf = (form_type: FormFieldType) => ({ type: FORM_FIELD_TYPES[form_type], form_type });
const read = (type: FormFieldType, text: string) => readMergeValue(fieldOf(type), text);

describe("yes/no flags", () => {
  it("turns FORCE_SUBSCRIBE and REQUIRE_CONFIRMATION on for yes, true or 1 in any case only", () => {
    for (const on of ["yes", "YES", "True", "1"]) expect(isYes(on), on).toBe(true);
    for (const off of [undefined, "", "no", "0", "on", "y", " yes", "2", "yes please"])
      expect(isYes(off), String(off)).toBe(false);
  });

  it("reads VISIBLE and options as off for false, no, 0 and empty (trimmed), on otherwise", () => {
    for (const off of ["", "  ", "false", "NO", "0", " no "]) expect(isOff(off), off).toBe(true);
    for (const on of ["1", "yes", "on", "x", "00", "nope"]) expect(isOff(on), on).toBe(false);
  });
});

describe("values by merge tag", () => {
  it("reads -us dates month first and -eur dates day first, ISO too", () => {
    expect(read("date-us", "03/14/2027")).toEqual({ ok: true, value: "2027-03-14" });
    expect(read("date-eur", "14/03/2027")).toEqual({ ok: true, value: "2027-03-14" });
    expect(read("date-eur", "14.3.2027")).toEqual({ ok: true, value: "2027-03-14" });
    expect(read("date-us", "2027-03-14")).toEqual({ ok: true, value: "2027-03-14" });
  });

  it("puts birthdays, and dates sent without a year, in the year 2000", () => {
    expect(read("birthday-us", "02/29")).toEqual({ ok: true, value: "2000-02-29" });
    expect(read("birthday-eur", "29/02")).toEqual({ ok: true, value: "2000-02-29" });
    expect(read("birthday-eur", "1987-05-06")).toEqual({ ok: true, value: "2000-05-06" });
    expect(read("birthday-us", "05/06/1987")).toEqual({ ok: true, value: "2000-05-06" });
    expect(read("date-eur", "06/05")).toEqual({ ok: true, value: "2000-05-06" });
  });

  it("refuses a date that is none, naming the field's format", () => {
    expect(read("date-us", "31/31/2020")).toEqual({
      ok: false,
      message: '"31/31/2020" is not a date (MM/DD/YYYY)',
    });
    expect(read("date-eur", "yesterday")).toEqual({
      ok: false,
      message: '"yesterday" is not a date (DD/MM/YYYY)',
    });
    expect(read("birthday-us", "13/01")).toMatchObject({ ok: false, message: /\(MM\/DD\)/ });
    expect(read("birthday-eur", "30/02")).toMatchObject({ ok: false, message: /\(DD\/MM\)/ });
    // A date field made without a form type reads ISO only.
    expect(readMergeValue({ type: "date", form_type: null }, "3/14/2027")).toMatchObject({
      ok: false,
      message: /\(YYYY-MM-DD\)/,
    });
  });

  it("reads an option as on unless false, no, 0 or empty, and other text as it is, trimmed", () => {
    expect(read("option", "yes")).toEqual({ ok: true, value: true });
    expect(read("option", "anything")).toEqual({ ok: true, value: true });
    expect(read("option", "No")).toEqual({ ok: true, value: false });
    expect(read("option", "")).toEqual({ ok: true, value: false });
    expect(read("number", " 42 ")).toEqual({ ok: true, value: "42" });
    expect(read("number", "lots")).toEqual({ ok: true, value: "lots" });
    expect(read("date-us", "  ")).toEqual({ ok: true, value: "" });
  });
});

describe("request bodies", () => {
  it("builds a subscribe request of EMAIL, the names sent non-empty, and MERGE_ values", () => {
    expect(
      parseSubscribe({
        EMAIL: "ada@example.com",
        FIRST_NAME: "Ada",
        LAST_NAME: "",
        TIMEZONE: "Europe/London",
        MERGE_AGE: "36",
        MERGE_EMPTY: "",
        FORCE_SUBSCRIBE: "yes",
      }),
    ).toEqual({
      email: "ada@example.com",
      firstName: "Ada",
      timezone: "Europe/London",
      values: { MERGE_AGE: "36", MERGE_EMPTY: "" },
    });
  });

  it("refuses a subscribe without EMAIL with Mailtrain's 400", () => {
    for (const input of [{}, { EMAIL: "" }, { FIRST_NAME: "Nobody" }] as Record<string, string>[]) {
      expect(() => parseSubscribe(input)).toThrow(new MailtrainError(400, "Missing EMAIL"));
    }
  });

  it("reads a field body: type in any case, VISIBLE, the DEFAULT as a value of the type", () => {
    expect(
      parseField({ NAME: "Renewal", TYPE: "DATE-US", DEFAULT: "12/31/2027", VISIBLE: "yes" }),
    ).toEqual({
      name: "Renewal",
      type: "date-us",
      description: "",
      default: { ok: true, value: "2027-12-31" },
      group: "",
      groupTemplate: "",
      visible: true,
    });
    expect(parseField({ NAME: "Plain", TYPE: "text" })).toMatchObject({
      default: { ok: true, value: null },
      visible: false,
    });
    expect(parseField({ NAME: "Bad", TYPE: "date-eur", DEFAULT: "soon" }).default).toEqual({
      ok: false,
      message: '"soon" is not a date (DD/MM/YYYY)',
    });
  });

  it("refuses a field body in Mailtrain's order: an option's group, the type, the name", () => {
    const refusal = (input: Record<string, string>) => {
      try {
        parseField(input);
      } catch (error) {
        return (error as Error).message;
      }
      return null;
    };
    expect(refusal({ TYPE: "option" })).toBe("Option field requires a group to be selected");
    expect(refusal({ TYPE: "colour", NAME: "" })).toBe("Unknown column type colour");
    expect(refusal({ NAME: "No type" })).toBe("Unknown column type ");
    expect(refusal({ TYPE: "option", GROUP: "7" })).toBe("Missing column name");
  });
});

describe("domain issues in Mailtrain's words", () => {
  it("names each field the way Mailtrain clients know it", () => {
    expect(issueText({ path: ["email"], message: '"nope" is not an email address' })).toBe(
      'Invalid email address "nope".',
    );
    expect(issueText({ path: ["email"], message: "may be at most 254 characters" })).toBe(
      "EMAIL may be at most 254 characters",
    );
    expect(issueText({ path: ["newEmail"], message: "is blocklisted" })).toBe(
      "New email is blacklisted",
    );
    expect(issueText({ path: ["firstName"], message: "may be at most 255 characters" })).toBe(
      "FIRST_NAME may be at most 255 characters",
    );
    expect(
      issueText({ path: ["customValues", "MERGE_AGE"], message: '"old" is not a number' }),
    ).toBe('MERGE_AGE: "old" is not a number');
    expect(issueText({ path: ["default"], message: '"many" is not a number' })).toBe(
      'DEFAULT: "many" is not a number',
    );
    expect(
      issueText({
        path: ["group"],
        message: "7 is no radio, checkbox or drop down field of this list",
      }),
    ).toBe("Group 7 is no radio, checkbox or drop down field of this list");
  });

  it("says a path it has no name for as the domain does, and joins every problem with '; '", () => {
    expect(issueText({ path: ["subscribers", "0", "phone"], message: "is odd" })).toBe(
      "subscribers.0.phone: is odd",
    );
    expect(issueText({ path: [], message: "Something" })).toBe("Something");
    expect(
      issuesText([
        { path: ["email"], message: '"x" is not an email address' },
        { path: ["lastName"], message: "may be at most 255 characters" },
      ]),
    ).toBe('Invalid email address "x".; LAST_NAME may be at most 255 characters');
  });
});
