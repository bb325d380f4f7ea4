import { describe, expect, it } from "vitest";
import { NotFound } from "../../src/domain/errors.js";
import type { CustomField } from "../../src/domain/fields/read.js";
import {
  checkEmail,
  checkSubscriber,
  PROFILE,
  profileProblem,
} from "../../src/domain/subscribers/input.js";
import {
  canonicalTimezone,
  TIMEZONE_PROBLEM,
  timezoneProblem,
} from "../../src/domain/timezones.js";

// What every surface's subscriber writes go through before any statement: the email, the
// profile, the birthday, the status, custom values and time zones. No database.

describe("checkEmail", () => {
  it("takes an address, trimmed", () => {
    expect(checkEmail("  ana@example.com ")).toEqual({ email: "ana@example.com" });
    expect(checkEmail("o'brien+news@mail.example.co.uk")).toEqual({
      email: "o'brien+news@mail.example.co.uk",
    });
  });

  it("requires one: absent, null, empty or blank", () => {
    for (const raw of [undefined, null, "", "   "])
      expect(checkEmail(raw)).toEqual({ message: "is required" });
  });

  it("refuses what is no address, quoting it", () => {
    for (const raw of [
      "ana",
      "ana@example",
      "@example.com",
      "ana@@example.com",
      "ana @example.com",
      "ana@exa mple.com",
      "ana..b@example.com",
      "<ana@example.com>",
      "ana@example.com,bob@example.com",
    ])
      expect(checkEmail(raw), raw).toEqual({ message: `"${raw}" is not an email address` });
  });

  it("refuses a local part over 64 characters, quoting the address cut short", () => {
    expect(checkEmail(`${"a".repeat(64)}@example.com`)).toEqual({
      email: `${"a".repeat(64)}@example.com`,
    });
    expect(checkEmail(`${"a".repeat(65)}@example.com`)).toEqual({
      message: `"${"a".repeat(60)}…" is not an email address`,
    });
  });

  it("refuses an address longer than 254 characters with the shared wording", () => {
    const long = `ana@${"d".repeat(250)}.com`;
    expect(checkEmail(long)).toEqual({ message: "may be at most 254 characters" });
    const longest = `ana@${"d".repeat(246)}.com`;
    expect(longest).toHaveLength(254);
    expect(checkEmail(longest)).toEqual({ email: longest });
  });
});

describe("profileProblem", () => {
  it("takes short and long text within its limit, and absent or empty values", () => {
    expect(profileProblem("firstName", "Ana")).toBeNull();
    expect(profileProblem("firstName", "x".repeat(255))).toBeNull();
    expect(profileProblem("address", "x".repeat(1_000))).toBeNull();
    expect(profileProblem("company", null)).toBeNull();
    expect(profileProblem("company", undefined)).toBeNull();
    expect(profileProblem("timezone", "  ")).toBeNull();
  });

  it("refuses text over its field's limit, counted after trimming", () => {
    expect(profileProblem("firstName", "x".repeat(256))).toBe("may be at most 255 characters");
    expect(profileProblem("website", "x".repeat(1_001))).toBe("may be at most 1,000 characters");
    expect(profileProblem("phone", ` ${"1".repeat(255)} `)).toBeNull();
  });

  it("checks a time zone against IANA names only", () => {
    expect(profileProblem("timezone", "europe/paris")).toBeNull();
    expect(profileProblem("timezone", "+01:00")).toBe(`"+01:00" ${TIMEZONE_PROBLEM}`);
  });
});

describe("time zones", () => {
  it("stores a listed name in its own spelling, whatever the case and spaces", () => {
    expect(canonicalTimezone("europe/paris")).toBe("Europe/Paris");
    expect(canonicalTimezone(" AMERICA/NEW_YORK ")).toBe("America/New_York");
    expect(canonicalTimezone("utc")).toBe("UTC");
  });

  it("resolves IANA aliases to the name they stand for", () => {
    expect(canonicalTimezone("Etc/UTC")).toBe("UTC");
    expect(canonicalTimezone("GMT")).toBe("UTC");
    expect(canonicalTimezone("US/Eastern")).toBe("America/New_York");
    expect(canonicalTimezone("Asia/Kolkata")).toMatch(/^Asia\/(Kolkata|Calcutta)$/);
  });

  it("refuses offsets, ICU's three-letter ids, typos and blanks", () => {
    for (const raw of ["+01:00", "UTC+1", "PST", "IST", "CST", "Europe/Pariss", "Paris", "", " "])
      expect(canonicalTimezone(raw), raw).toBeNull();
  });

  it("says why in one message for every surface, quoting the value cut short", () => {
    expect(timezoneProblem("Europe/Paris")).toBeNull();
    expect(timezoneProblem("PST")).toBe(
      '"PST" is not an IANA time zone name (such as Europe/Paris or UTC)',
    );
    expect(timezoneProblem("z".repeat(100))).toBe(`"${"z".repeat(60)}…" ${TIMEZONE_PROBLEM}`);
  });

  it("answers the same the second time (a refused name is remembered as refused)", () => {
    expect(canonicalTimezone("Mars/Olympus")).toBeNull();
    expect(canonicalTimezone("Mars/Olympus")).toBeNull();
    expect(canonicalTimezone("us/pacific")).toBe("America/Los_Angeles");
    expect(canonicalTimezone("US/Pacific")).toBe("America/Los_Angeles");
  });
});

function customField(overrides: Partial<CustomField> & Pick<CustomField, "id">): CustomField {
  return {
    account_id: "1",
    public_id: `f${overrides.id.padStart(31, "0")}`,
    list_id: null,
    list_public_id: null,
    name: `Field ${overrides.id}`,
    type: "string",
    options: [],
    required: false,
    default_value: null,
    visible: true,
    description: null,
    group_id: null,
    merge_tag: `MERGE_${overrides.id}`,
    column_name: `custom_${overrides.id}`,
    form_type: null,
    group_template: null,
    created_at: new Date(0),
    updated_at: new Date(0),
    ...overrides,
  } as CustomField;
}

describe("checkSubscriber", () => {
  const age = customField({ id: "2", name: "Age", type: "number" });

  it("turns a new subscriber's input into columns: trimmed, blanks as null", () => {
    const { columns, issues } = checkSubscriber(
      {
        email: " ana@example.com ",
        firstName: "  Ana ",
        lastName: "",
        timezone: "europe/paris",
        birthday: " 1990-05-17 ",
        status: "active",
      },
      { current: null, fields: [], path: [] },
    );
    expect(issues).toEqual([]);
    expect(columns).toEqual({
      email: "ana@example.com",
      first_name: "Ana",
      last_name: null,
      timezone: "Europe/Paris",
      birthday: "1990-05-17",
      status: "active",
      custom_values: {},
    });
  });

  it("needs an email to create, not to update, and leaves absent keys alone", () => {
    expect(checkSubscriber({}, { current: null, fields: [], path: [] }).issues).toEqual([
      { path: ["email"], message: "is required" },
    ]);
    const update = checkSubscriber(
      { company: "Acme" },
      { current: { custom_values: {} }, fields: [], path: [] },
    );
    expect(update).toEqual({ columns: { company: "Acme" }, issues: [] });
  });

  it("reports every problem at once, under the subscriber's path", () => {
    const { issues } = checkSubscriber(
      {
        email: "not-an-email",
        jobTitle: "x".repeat(256),
        timezone: "GMT+2",
        birthday: "1990-02-30",
        status: null,
        customValues: [{ fieldId: age.public_id, value: "old" }],
      },
      { current: null, fields: [age], path: ["subscribers", "3"] },
    );
    expect(issues).toEqual([
      { path: ["subscribers", "3", "email"], message: '"not-an-email" is not an email address' },
      { path: ["subscribers", "3", "timezone"], message: `"GMT+2" ${TIMEZONE_PROBLEM}` },
      { path: ["subscribers", "3", "jobTitle"], message: "may be at most 255 characters" },
      {
        path: ["subscribers", "3", "birthday"],
        message: '"1990-02-30" is not a date (YYYY-MM-DD)',
      },
      { path: ["subscribers", "3", "status"], message: "cannot be cleared" },
      { path: ["subscribers", "3", "customValues", "Age"], message: '"old" is not a number' },
    ]);
  });

  it("refuses a status no subscriber has", () => {
    const { issues } = checkSubscriber(
      { status: "deleted" as never },
      { current: { custom_values: {} }, fields: [], path: [] },
    );
    expect(issues).toEqual([
      { path: ["status"], message: "must be one of active, unsubscribed, bounced, complained" },
    ]);
  });

  it("clears the birthday and the time zone with null or blank", () => {
    const { columns } = checkSubscriber(
      { birthday: "  ", timezone: null },
      { current: { custom_values: {} }, fields: [], path: [] },
    );
    expect(columns).toEqual({ birthday: null, timezone: null });
  });

  it("merges custom values into the stored ones, by the field's public id", () => {
    const city = customField({ id: "1", name: "City" });
    const { columns, issues } = checkSubscriber(
      { customValues: [{ fieldId: age.public_id, value: "31" }] },
      { current: { custom_values: { "1": "Lyon", "2": 30 } }, fields: [city, age], path: [] },
    );
    expect(issues).toEqual([]);
    expect(columns).toEqual({ custom_values: { "1": "Lyon", "2": 31 } });
  });

  it("answers NotFound for a custom field the account does not have", () => {
    expect(() =>
      checkSubscriber(
        { customValues: [{ fieldId: "0".repeat(32), value: 1 }] },
        { current: null, fields: [age], path: [] },
      ),
    ).toThrow(NotFound);
  });

  it("knows every profile key a client may send", () => {
    expect(Object.keys(PROFILE).sort()).toEqual([
      "address",
      "company",
      "country",
      "firstName",
      "jobTitle",
      "lastName",
      "phone",
      "postalCode",
      "timezone",
      "website",
    ]);
  });
});
