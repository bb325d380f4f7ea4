import { describe, expect, it } from "vitest";
import type { Classified } from "../../../src/rest/audience/contacts.js";
import { AudienceError } from "../../../src/rest/audience/errors.js";
import {
  refuseUnstorableFields,
  setAsideUnstorable,
  withRefused,
} from "../../../src/rest/audience/text.js";

// Text that cannot be stored (a NUL, a lone surrogate) in a POST contact body, without a
// database: in the request's own fields it refuses the request; in a contact it makes that
// contact invalid, and its reason takes the contact's place among the others.

const NUL = "\u0000";
const LONE = "\ud800";

describe("refuseUnstorableFields", () => {
  it("lets a body through whose fields outside data can be stored", () => {
    expect(() =>
      refuseUnstorableFields({ data: [{ email: `a${NUL}@x.example` }], list_id: "l", tags: ["t"] }),
    ).not.toThrow();
    for (const raw of [null, "text", 5, [`${NUL}`]]) {
      expect(() => refuseUnstorableFields(raw)).not.toThrow();
    }
  });

  it("refuses a NUL or lone surrogate in list_id, a tag id or any other field, naming each", () => {
    let refused: unknown;
    try {
      refuseUnstorableFields({
        data: [],
        list_id: `l${NUL}`,
        tags: ["fine", `t${LONE}`],
        [`extra${NUL}`]: 1,
      });
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(AudienceError);
    const error = refused as AudienceError;
    expect(error.status).toBe(400);
    expect(error.code).toBe("VALIDATION_ERROR");
    expect(error.details.map((detail) => detail.field)).toEqual([
      "list_id",
      "tags.1",
      `extra${NUL}`,
    ]);
    expect(error.details[0]).toEqual({
      field: "list_id",
      message: "must not contain a NUL character (\\u0000)",
    });
    expect(error.details[1]?.message).toMatch(/must be valid UTF-8/);
    expect(error.message).toMatch(
      /^Invalid request: list_id must not contain a NUL character \(\\u0000\); tags\.1 must be valid UTF-8/,
    );
  });
});

describe("setAsideUnstorable", () => {
  it("sets aside each contact with unstorable text, with its first problem as the reason", () => {
    const good = { email: "good@x.example" };
    const nul = { email: `strip${NUL}me@x.example`, first_name: `A${NUL}` };
    const key = { email: "key@x.example", custom_fields: { [`no${LONE}`]: "x" } };
    const nested = { email: "n@x.example", custom_fields: { notes: ["ok", `b${NUL}`] } };
    const { storable, refused } = setAsideUnstorable([good, nul, key, nested]);
    expect(storable).toEqual([good]);
    expect([...refused.keys()]).toEqual([nul, key, nested]);
    expect(refused.get(nul)).toBe("email must not contain a NUL character (\\u0000)");
    expect(refused.get(key)).toMatch(/^custom_fields\.no.* must be valid UTF-8/);
    expect(refused.get(nested)).toBe(
      "custom_fields.notes.1 must not contain a NUL character (\\u0000)",
    );
  });

  it("keeps every contact whose text can be stored, however odd", () => {
    const contacts = [{ email: "ok@x.example", first_name: "Zoë 🎉", custom_fields: { n: 5 } }, {}];
    const { storable, refused } = setAsideUnstorable(contacts);
    expect(storable).toEqual(contacts);
    expect(refused.size).toBe(0);
  });
});

describe("withRefused", () => {
  const a = { email: "a@x.example" };
  const b = { email: `b${NUL}@x.example` };
  const c = { email: "nope" };
  const d = { email: "d@x.example" };
  const accepted = { email: "a@x.example", firstName: null, lastName: null, customValues: [] };

  it("puts the set-aside contacts back among the invalid ones, in the order sent", () => {
    const classified: Classified = {
      valid: [{ sent: a, accepted }],
      invalid: [{ sent: c, reason: 'Invalid email: "nope"' }],
    };
    const refused = new Map([[b, "email must not contain a NUL character (\\u0000)"]]);
    const out = withRefused([a, b, c, d], refused, classified);
    expect(out.valid).toEqual(classified.valid);
    expect(out.invalid).toEqual([
      { sent: b, reason: "email must not contain a NUL character (\\u0000)" },
      { sent: c, reason: 'Invalid email: "nope"' },
    ]);
  });

  it("answers the classification as it is when nothing was set aside", () => {
    const classified: Classified = { valid: [], invalid: [{ sent: c, reason: "r" }] };
    expect(withRefused([c], new Map(), classified)).toBe(classified);
  });
});
