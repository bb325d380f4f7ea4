import { describe, expect, it } from "vitest";
import type { SubscriberRow } from "../../../src/db/types.js";
import { bodyPath, fieldOf, zodProblems } from "../../../src/rest/botamp/errors.js";
import {
  createOrUpdateBody,
  createOrUpdateManyBody,
  joinName,
  splitName,
  toImportRow,
  toSubscriberInput,
} from "../../../src/rest/botamp/serialize.js";

// botamp's fields ↔ ours, without a database: one `name` for two stored names, the fields a
// request changes, and how a problem's place in the body is written back to the client.

type Names = Pick<SubscriberRow, "first_name" | "last_name">;
const names = (first_name: string | null, last_name: string | null): Names => ({
  first_name,
  last_name,
});

describe("splitName", () => {
  it("splits at the first run of spaces: first name, then the rest as last name", () => {
    expect(splitName("Ada King Lovelace")).toEqual({ first: "Ada", last: "King Lovelace" });
    expect(splitName("Ada    King")).toEqual({ first: "Ada", last: "King" });
    expect(splitName("Ada\tKing")).toEqual({ first: "Ada", last: "King" });
    expect(splitName("Ada King  Lovelace")).toEqual({ first: "Ada", last: "King  Lovelace" });
  });

  it("trims the name, and a one-word name has no last name", () => {
    expect(splitName("  Ada King  ")).toEqual({ first: "Ada", last: "King" });
    expect(splitName("Cher")).toEqual({ first: "Cher", last: null });
    expect(splitName(" Cher\n")).toEqual({ first: "Cher", last: null });
  });

  it("clears both names for null, empty or blank", () => {
    for (const blank of [null, "", "   ", "\t\n"]) {
      expect(splitName(blank), JSON.stringify(blank)).toEqual({ first: null, last: null });
    }
  });
});

describe("joinName", () => {
  it("joins first and last name with one space", () => {
    expect(joinName(names("Ada", "King Lovelace"))).toBe("Ada King Lovelace");
    expect(joinName(names("Ada", null))).toBe("Ada");
    expect(joinName(names(null, "Lovelace"))).toBe("Lovelace");
  });

  it("is null without a name, and leaves out a blank half", () => {
    expect(joinName(names(null, null))).toBeNull();
    expect(joinName(names("", "  "))).toBeNull();
    expect(joinName(names("  ", "King"))).toBe("King");
  });

  it("gives back the name a split took apart", () => {
    for (const name of ["Ada King Lovelace", "Cher", "Jean-Luc Picard"]) {
      const { first, last } = splitName(name);
      expect(joinName(names(first, last))).toBe(name);
    }
  });
});

describe("toSubscriberInput", () => {
  it("changes only the fields sent: an email alone changes nothing else", () => {
    expect(toSubscriberInput({ email: "a@example.com" })).toEqual({ email: "a@example.com" });
  });

  it("renames botamp's fields to ours and splits the name", () => {
    expect(
      toSubscriberInput({
        email: "a@example.com",
        name: "Ada King",
        job_title: "Engineer",
        country: "UK",
        address: "1 Road",
        company_name: "Analytical",
        website: "https://ada.example",
        postal_code: "N1",
        birthday: "1815-12-10",
        tags: ["vip"],
      }),
    ).toEqual({
      email: "a@example.com",
      firstName: "Ada",
      lastName: "King",
      jobTitle: "Engineer",
      country: "UK",
      address: "1 Road",
      company: "Analytical",
      website: "https://ada.example",
      postalCode: "N1",
      birthday: "1815-12-10",
    });
  });

  it("clears a field sent as null, and both names for a null or blank name", () => {
    expect(
      toSubscriberInput({ email: "a@example.com", name: null, company_name: null, birthday: "" }),
    ).toEqual({
      email: "a@example.com",
      firstName: null,
      lastName: null,
      company: null,
      birthday: "",
    });
    expect(toSubscriberInput({ email: "a@example.com", name: "   " })).toMatchObject({
      firstName: null,
      lastName: null,
    });
  });

  it("passes bad data on as sent, for the domain to refuse in its own words", () => {
    expect(
      toSubscriberInput({ email: "not-an-email", birthday: "1990-02-30", website: "x" }),
    ).toEqual({ email: "not-an-email", birthday: "1990-02-30", website: "x" });
  });
});

describe("toImportRow", () => {
  it("renames the fields for the import, a name split, an absent name blank", () => {
    expect(toImportRow({ email: "a@example.com", name: "Ada King", company_name: "X" })).toEqual({
      email: "a@example.com",
      first_name: "Ada",
      last_name: "King",
      job_title: undefined,
      country: undefined,
      address: undefined,
      company: "X",
      website: undefined,
      postal_code: undefined,
      birthday: undefined,
      tags: undefined,
    });
    expect(toImportRow({ email: null })).toMatchObject({ first_name: null, last_name: null });
  });
});

describe("bodyPath", () => {
  it("writes a place in the body as the client would: keys dotted, indexes bracketed", () => {
    expect(bodyPath(["subscribers", 3, "tags", 0])).toBe("subscribers[3].tags[0]");
    expect(bodyPath(["subscriber", "email"])).toBe("subscriber.email");
    expect(bodyPath(["subscriber"])).toBe("subscriber");
  });

  it("names the whole body for an empty path, and an index at the root alone", () => {
    expect(bodyPath([])).toBe("body");
    expect(bodyPath([0])).toBe("[0]");
    expect(bodyPath([2, "email"])).toBe("[2].email");
  });

  it("keeps a key that looks like a number or holds a dot as a key", () => {
    expect(bodyPath(["subscribers", "3"])).toBe("subscribers.3");
    expect(bodyPath(["subscriber", "a.b"])).toBe("subscriber.a.b");
  });
});

describe("fieldOf (a domain issue's path as botamp's field)", () => {
  it("names the subscriber's field in botamp's terms", () => {
    expect(fieldOf(["subscribers", "0", "birthday"])).toBe("subscriber.birthday");
    expect(fieldOf(["email"])).toBe("subscriber.email");
    expect(fieldOf(["firstName"])).toBe("subscriber.name");
    expect(fieldOf(["lastName"])).toBe("subscriber.name");
    expect(fieldOf(["company"])).toBe("subscriber.company_name");
    expect(fieldOf(["postalCode"])).toBe("subscriber.postal_code");
    expect(fieldOf(["tags", "2"])).toBe("subscriber.tags[2]");
    expect(fieldOf(["customValues", "age"])).toBe("subscriber.custom_fields.age");
    expect(fieldOf([])).toBe("subscriber");
  });
});

describe("the bodies' JSON types", () => {
  const problems = (
    schema: typeof createOrUpdateBody | typeof createOrUpdateManyBody,
    body: unknown,
  ) => {
    const parsed = schema.safeParse(body);
    return parsed.success ? [] : zodProblems(parsed.error);
  };

  it("accepts strings and null, ignores undocumented keys", () => {
    expect(
      problems(createOrUpdateBody, {
        subscriber: { email: "a@example.com", name: null, tags: ["x"], extra: 1 },
      }),
    ).toEqual([]);
  });

  it("refuses a body that is not an object with a subscriber object", () => {
    for (const body of [null, [], "text", 3, {}, { subscriber: "a@example.com" }]) {
      expect(problems(createOrUpdateBody, body).length, JSON.stringify(body)).toBeGreaterThan(0);
    }
    expect(problems(createOrUpdateBody, [])).toEqual([
      { field: "body", message: 'must be a JSON object with a "subscriber" object' },
    ]);
    expect(problems(createOrUpdateBody, {})).toEqual([
      { field: "subscriber", message: "must be an object" },
    ]);
  });

  it("names each field of a wrong type in the body's terms", () => {
    expect(
      problems(createOrUpdateBody, { subscriber: { email: 5, name: 1, tags: ["a", 2] } }),
    ).toEqual([
      { field: "subscriber.email", message: "is required and must be a string" },
      { field: "subscriber.name", message: "must be a string" },
      { field: "subscriber.tags[1]", message: "must be a string" },
    ]);
    expect(problems(createOrUpdateBody, { subscriber: { email: "a@b.co", tags: "vip" } })).toEqual([
      { field: "subscriber.tags", message: "must be an array of tag names" },
    ]);
  });

  it("refuses a batch without subscribers, and names a bad row by its index", () => {
    expect(problems(createOrUpdateManyBody, { subscribers: [] })).toEqual([
      { field: "subscribers", message: "must hold at least one subscriber" },
    ]);
    expect(problems(createOrUpdateManyBody, { subscribers: [{ email: null }, 7] })).toEqual([
      { field: "subscribers[1]", message: "must be an object" },
    ]);
  });

  it("reports at most 20 problems", () => {
    const subscribers = Array.from({ length: 30 }, () => ({ email: 1 }));
    expect(problems(createOrUpdateManyBody, { subscribers })).toHaveLength(20);
  });
});
