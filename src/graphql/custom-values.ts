import type { SubscriberRow } from "../db/types.js";
import type { CustomField } from "../domain/fields/read.js";
import type { CustomValue } from "../domain/fields/values.js";
import { builder } from "./builder.js";
import { CustomFieldRef } from "./fields.js";

// A subscriber's custom values, each typed by its field: a frontend reads `value` as a number,
// a boolean or a date without parsing strings.

export interface CustomValueItem {
  field: CustomField;
  value: CustomValue;
}

const SCOPE = { scope: "subscribers:read" } as const;

export const CustomValueInterface = builder.interfaceRef<CustomValueItem>("CustomValue").implement({
  description: "The value of one custom field for one subscriber.",
  authScopes: SCOPE,
  resolveType: (item) => CUSTOM_VALUE_TYPE_NAMES[item.field.type],
  fields: (t) => ({
    field: t.field({ type: CustomFieldRef, resolve: (item) => item.field }),
  }),
});

export const CUSTOM_VALUE_TYPE_NAMES = {
  string: "StringCustomValue",
  number: "NumberCustomValue",
  boolean: "BooleanCustomValue",
  date: "DateCustomValue",
  dropdown: "DropdownCustomValue",
} as const;

function valueType(name: string) {
  return builder.objectRef<CustomValueItem>(name);
}

valueType(CUSTOM_VALUE_TYPE_NAMES.string).implement({
  interfaces: [CustomValueInterface],
  authScopes: SCOPE,
  fields: (t) => ({ value: t.string({ resolve: (item) => String(item.value) }) }),
});
valueType(CUSTOM_VALUE_TYPE_NAMES.number).implement({
  interfaces: [CustomValueInterface],
  authScopes: SCOPE,
  fields: (t) => ({ value: t.float({ resolve: (item) => Number(item.value) }) }),
});
valueType(CUSTOM_VALUE_TYPE_NAMES.boolean).implement({
  interfaces: [CustomValueInterface],
  authScopes: SCOPE,
  fields: (t) => ({ value: t.boolean({ resolve: (item) => item.value === true }) }),
});
valueType(CUSTOM_VALUE_TYPE_NAMES.date).implement({
  interfaces: [CustomValueInterface],
  authScopes: SCOPE,
  fields: (t) => ({
    value: t.field({ type: "Date", resolve: (item) => String(item.value) }),
  }),
});
valueType(CUSTOM_VALUE_TYPE_NAMES.dropdown).implement({
  interfaces: [CustomValueInterface],
  authScopes: SCOPE,
  description: "One of the field's options.",
  fields: (t) => ({ value: t.string({ resolve: (item) => String(item.value) }) }),
});

const JS_TYPES = {
  string: "string",
  number: "number",
  boolean: "boolean",
  date: "string",
  dropdown: "string",
} as const;

/** The subscriber's values in the order of the fields; a value of a deleted field is left out. */
export function valuesOf(
  subscriber: SubscriberRow,
  fields: readonly CustomField[],
): CustomValueItem[] {
  const stored = subscriber.custom_values as Record<string, unknown>;
  const items: CustomValueItem[] = [];
  for (const field of fields) {
    const value = stored[field.id];
    // Values are typed at every write; this only keeps a stray value from failing the response.
    if (typeof value === JS_TYPES[field.type]) items.push({ field, value: value as CustomValue });
  }
  return items;
}
