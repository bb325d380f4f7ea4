import { describe, expect, it } from "vitest";
import { AudienceError } from "../../../src/rest/audience/errors.js";
import { catalogQuery, type Query, tagQuery } from "../../../src/rest/audience/params.js";

// The GET endpoints' query string without a database: page and pageSize as the page's offset
// and limit, the name filter, the tag status, and a 400 naming each bad parameter.

function refusal(read: () => unknown): AudienceError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(AudienceError);
    return error as AudienceError;
  }
  throw new Error("accepted");
}

describe("catalogQuery", () => {
  it("defaults to the first page of 10 (the samples' limit) and no name filter", () => {
    expect(catalogQuery({})).toEqual({ page: { offset: 0, limit: 10 }, name: null });
    expect(catalogQuery({ page: "", pageSize: " ", name: "   " })).toEqual({
      page: { offset: 0, limit: 10 },
      name: null,
    });
  });

  it("turns the 1-based page and its size into the rows to skip and take", () => {
    expect(catalogQuery({ page: "3", pageSize: "25" }).page).toEqual({ offset: 50, limit: 25 });
    expect(catalogQuery({ page: " 2 ", pageSize: "100" }).page).toEqual({
      offset: 100,
      limit: 100,
    });
    expect(catalogQuery({ page: "1000000", pageSize: "1" }).page).toEqual({
      offset: 999_999,
      limit: 1,
    });
  });

  it("keeps the name trimmed, % and _ as they are (the domain takes them literally)", () => {
    expect(catalogQuery({ name: "  News_2024% " }).name).toBe("News_2024%");
  });

  it("refuses a page or pageSize that is not a whole number in range, naming each", () => {
    for (const page of [
      "0",
      "-1",
      "abc",
      "1.5",
      "1e3",
      "0x10",
      "1000001",
      "99999999999999999999",
    ]) {
      const error = refusal(() => catalogQuery({ page }));
      expect(error.status).toBe(400);
      expect(error.code).toBe("VALIDATION_ERROR");
      expect(error.details).toEqual([
        { field: "page", message: "must be a whole number from 1 to 1000000" },
      ]);
      expect(error.message).toBe("Invalid query: page must be a whole number from 1 to 1000000.");
    }
    for (const pageSize of ["0", "101", "ten", "+5"]) {
      expect(refusal(() => catalogQuery({ pageSize })).details).toEqual([
        { field: "pageSize", message: "must be a whole number from 1 to 100" },
      ]);
    }
    expect(refusal(() => catalogQuery({ page: "x", pageSize: "y" })).message).toBe(
      "Invalid query: page must be a whole number from 1 to 1000000; pageSize must be a whole number from 1 to 100.",
    );
  });

  it("ignores parameters it does not know", () => {
    expect(catalogQuery({ status: "9", sort: "name" } as Query)).toEqual({
      page: { offset: 0, limit: 10 },
      name: null,
    });
  });
});

describe("tagQuery", () => {
  it("reads status 1 (and none) as active, 2 as inactive", () => {
    expect(tagQuery({}).status).toBe("active");
    expect(tagQuery({ status: "1" }).status).toBe("active");
    expect(tagQuery({ status: " 2 " }).status).toBe("inactive");
    expect(tagQuery({ status: "" }).status).toBe("active");
    expect(tagQuery({ status: "2", page: "2", name: "vip" })).toEqual({
      page: { offset: 10, limit: 10 },
      name: "vip",
      status: "inactive",
    });
  });

  it("refuses any other status, named before a bad page", () => {
    for (const status of ["3", "0", "active", "inactive", "true", "1,2"]) {
      expect(refusal(() => tagQuery({ status })).details).toEqual([
        { field: "status", message: "must be 1 (active) or 2 (inactive)" },
      ]);
    }
    const both = refusal(() => tagQuery({ status: "3", page: "0" }));
    expect(both.details.map((detail) => detail.field)).toEqual(["status", "page"]);
    expect(both.message).toBe(
      "Invalid query: status must be 1 (active) or 2 (inactive); page must be a whole number from 1 to 1000000.",
    );
  });
});
