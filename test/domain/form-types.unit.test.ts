import { describe, expect, it } from "vitest";
import type { FormFieldType } from "../../src/db/types.js";
import {
  FORM_FIELD_TYPES,
  isBirthday,
  isExclusiveGroup,
  isFormFieldType,
  isGroupType,
} from "../../src/domain/fields/form-types.js";
import type { CustomField } from "../../src/domain/fields/read.js";
import {
  changesFromTaggedValues,
  fieldsOfList,
  type ValueReader,
} from "../../src/domain/fields/tagged-values.js";

// Form types (how a subscription form shows a field) and what values by merge tag change,
// without a database.

describe("form types", () => {
  it("knows the fourteen form types, in lower case only, each stored as a shared type", () => {
    expect(Object.keys(FORM_FIELD_TYPES)).toHaveLength(14);
    for (const type of ["text", "gpg", "date-eur", "birthday-us", "json", "option"])
      expect(isFormFieldType(type), type).toBe(true);
    for (const type of ["", "TEXT", "colour", "date", "toString", "__proto__"])
      expect(isFormFieldType(type), type).toBe(false);
    expect(FORM_FIELD_TYPES.website).toBe("string");
    expect(FORM_FIELD_TYPES["birthday-eur"]).toBe("date");
    expect(FORM_FIELD_TYPES.option).toBe("boolean");
    expect(FORM_FIELD_TYPES.checkbox).toBe("dropdown");
  });

  it("makes radio, checkbox and drop down groups; only radio and drop down exclusive", () => {
    const groups: FormFieldType[] = ["radio", "checkbox", "dropdown"];
    for (const type of Object.keys(FORM_FIELD_TYPES) as FormFieldType[]) {
      expect(isGroupType(type), type).toBe(groups.includes(type));
      expect(isExclusiveGroup(type), type).toBe(type === "radio" || type === "dropdown");
    }
    expect(isGroupType(null)).toBe(false);
    expect(isExclusiveGroup(null)).toBe(false);
    expect(isBirthday("birthday-eur")).toBe(true);
    expect(isBirthday("date-eur")).toBe(false);
  });
});

let nextId = 1;
function field(
  name: string,
  form_type: FormFieldType | null,
  extra: Partial<CustomField> = {},
): CustomField {
  const id = String(nextId++);
  return {
    id,
    account_id: "1",
    public_id: `f${id}`,
    list_id: "10",
    list_public_id: "l10",
    name,
    type: form_type ? FORM_FIELD_TYPES[form_type] : "string",
    options: [],
    required: false,
    default_value: null,
    visible: true,
    description: null,
    group_id: null,
    merge_tag: `MERGE_${name.toUpperCase()}`,
    column_name: `custom_${name}`,
    form_type,
    group_template: null,
    created_at: new Date(0),
    updated_at: new Date(0),
    ...extra,
  };
}

/** Options on for "yes", anything else as it is; "bad" cannot be read. */
const reader: ValueReader = (f, text) =>
  text === "bad"
    ? { ok: false, message: `"bad" is not ${f.type}` }
    : { ok: true, value: f.form_type === "option" ? text === "yes" : text };

describe("values by merge tag", () => {
  const radio = field("plan", "radio");
  const basic = field("basic", "option", { group_id: radio.id });
  const pro = field("pro", "option", { group_id: radio.id });
  const boxes = field("extras", "checkbox");
  const news = field("news", "option", { group_id: boxes.id });
  const offers = field("offers", "option", { group_id: boxes.id });
  const age = field("age", "number");
  const fields = [radio, basic, pro, boxes, news, offers, age];

  it("changes only the fields sent, reads each with the client's reader, ignores unknown tags", () => {
    const { changes, issues } = changesFromTaggedValues(
      fields,
      { MERGE_AGE: "36", MERGE_NOPE: "x" },
      reader,
    );
    expect(issues).toEqual([]);
    expect([...changes]).toEqual([[age.id, "36"]]);
  });

  it("gives a group no value of its own", () => {
    const { changes } = changesFromTaggedValues(fields, { MERGE_PLAN: "pro" }, reader);
    expect(changes.size).toBe(0);
  });

  it("clears the other options of a radio when one is chosen, but not a checkbox's", () => {
    const chosen = changesFromTaggedValues(fields, { MERGE_PRO: "yes", MERGE_NEWS: "yes" }, reader);
    expect(Object.fromEntries(chosen.changes)).toEqual({
      [pro.id]: true,
      [basic.id]: false,
      [news.id]: true,
    });
    // Turning an option off chooses nothing: its siblings stay as they are.
    const off = changesFromTaggedValues(fields, { MERGE_PRO: "no" }, reader);
    expect(Object.fromEntries(off.changes)).toEqual({ [pro.id]: false });
  });

  it("names a value it cannot read by its merge tag, and changes it not", () => {
    const { changes, issues } = changesFromTaggedValues(
      fields,
      { MERGE_AGE: "bad", MERGE_NEWS: "yes" },
      reader,
    );
    expect(issues).toEqual([
      { path: ["customValues", "MERGE_AGE"], message: '"bad" is not number' },
    ]);
    expect(changes.has(age.id)).toBe(false);
    expect(changes.get(news.id)).toBe(true);
  });

  it("gives a list's subscriber the account's fields and the list's, not another list's", () => {
    const accountWide = field("region", "text", { list_id: null });
    const otherList = field("other", "text", { list_id: "11" });
    expect(fieldsOfList([age, accountWide, otherList], "10")).toEqual([age, accountWide]);
  });
});
