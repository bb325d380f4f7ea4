import { encodeGlobalID } from "@pothos/plugin-relay";
import { NotFound } from "../domain/errors.js";
import type { CustomValueChange } from "../domain/subscribers/input.js";
import { MAX_UPSERT, upsertSubscribers } from "../domain/subscribers/upsert.js";
import {
  createSubscriber,
  deleteSubscriber,
  updateSubscriber,
} from "../domain/subscribers/write.js";
import { tagSubscriber, untagSubscriber } from "../domain/tags/tagging.js";
import { builder } from "./builder.js";
import { domainOf } from "./context.js";
import { mutationErrors } from "./errors.js";
import { decodeGlobalIdOf, publicIdOf } from "./ids.js";
import { SubscriberRef, SubscriberStatusEnum } from "./subscribers.js";
import { tagIdOf } from "./tags.js";

const WRITE = { scope: "subscribers:write" } as const;

function subscriberIdOf(globalId: string): string {
  return publicIdOf(globalId, "Subscriber");
}

const CustomValueInput = builder.inputType("CustomValueInput", {
  fields: (t) => ({
    fieldId: t.id({ required: true, description: "The CustomField's id." }),
    value: t.field({
      type: "JSON",
      description: "A value of the field's type (a date as YYYY-MM-DD); null clears it.",
    }),
  }),
});

type InputFieldBuilder = PothosSchemaTypes.InputFieldBuilder<
  typeof builder.$inferSchemaTypes,
  "InputObject"
>;

type InputKind = "create" | "update" | "upsert";

/** What an absent status and absent custom values mean differs by mutation: said on each. */
const STATUS: Record<InputKind, string> = {
  create: "ACTIVE when absent.",
  update: "Absent: unchanged. It cannot be cleared.",
  upsert:
    "Absent: ACTIVE for a new subscriber; an existing one keeps its status. It cannot be cleared.",
};
const CUSTOM_VALUES: Record<InputKind, string> = {
  create:
    "Values to set. A field not listed gets its default, if it has one; a field sent with null stays empty.",
  update: "Values to set or (with null) clear; values not listed stay as they are.",
  upsert:
    "Values to set or (with null) clear; values not listed stay as they are (a new subscriber gets the default of each field not listed).",
};

/** The fields every subscriber input shares; on an update, absent leaves and null clears. */
function profileFields(t: InputFieldBuilder, kind: InputKind) {
  return {
    firstName: t.string(),
    lastName: t.string(),
    phone: t.string(),
    timezone: t.string({
      description:
        "An IANA time zone name such as Europe/Paris or UTC, in any case; stored as IANA spells it (an alias such as Etc/UTC as the zone it names). Anything else is a ValidationError.",
    }),
    jobTitle: t.string(),
    company: t.string(),
    country: t.string(),
    address: t.string(),
    website: t.string(),
    postalCode: t.string(),
    birthday: t.field({ type: "Date" }),
    status: t.field({ type: SubscriberStatusEnum, description: STATUS[kind] }),
    customValues: t.field({ type: [CustomValueInput], description: CUSTOM_VALUES[kind] }),
  };
}

/** The domain's input: global ids of custom fields become public ids. */
function toDomain<T extends { customValues?: { fieldId: string; value?: unknown }[] | null }>(
  input: T,
): Omit<T, "customValues"> & { customValues?: CustomValueChange[] | null } {
  return {
    ...input,
    customValues: input.customValues?.map((change) => {
      const fieldId = decodeGlobalIdOf(change.fieldId, "CustomField");
      if (fieldId === null) throw new NotFound("CustomField", change.fieldId);
      return { fieldId, value: change.value ?? null };
    }),
  };
}

builder.relayMutationField(
  "createSubscriber",
  {
    inputFields: (t) => ({
      email: t.string({ required: true, description: "Unique in the account, in any case." }),
      ...profileFields(t, "create"),
    }),
  },
  {
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) => createSubscriber(domainOf(context), toDomain(input)),
  },
  {
    outputFields: (t) => ({ subscriber: t.field({ type: SubscriberRef, resolve: (s) => s }) }),
  },
);

builder.relayMutationField(
  "updateSubscriber",
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      email: t.string({ description: "Absent: unchanged. It cannot be cleared." }),
      ...profileFields(t, "update"),
    }),
  },
  {
    description: "Changes only the fields sent; null clears an optional one.",
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: (_root, { input: { id, ...changes } }, context) =>
      updateSubscriber(domainOf(context), subscriberIdOf(id), toDomain(changes)),
  },
  {
    outputFields: (t) => ({ subscriber: t.field({ type: SubscriberRef, resolve: (s) => s }) }),
  },
);

builder.relayMutationField(
  "deleteSubscriber",
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    description: "Deletes the subscriber with its subscriptions and tags.",
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: async (_root, { input }, context) => ({
      deletedId: encodeGlobalID(
        "Subscriber",
        await deleteSubscriber(domainOf(context), subscriberIdOf(input.id)),
      ),
    }),
  },
  { outputFields: (t) => ({ deletedId: t.exposeID("deletedId") }) },
);

const SubscriberUpsertInput = builder.inputType("SubscriberUpsertInput", {
  fields: (t) => ({
    email: t.string({ required: true, description: "Finds the subscriber, in any case." }),
    ...profileFields(t, "upsert"),
  }),
});

builder.relayMutationField(
  "upsertSubscribers",
  {
    inputFields: (t) => ({
      subscribers: t.field({
        type: [SubscriberUpsertInput],
        required: true,
        description: `At most ${MAX_UPSERT}, each email once. Fields left out keep their values.`,
      }),
    }),
  },
  {
    description:
      "Creates or updates subscribers by email, all or nothing: one bad row refuses the call.",
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) =>
      upsertSubscribers(domainOf(context), input.subscribers.map(toDomain)),
  },
  {
    outputFields: (t) => ({
      subscribers: t.field({
        type: [SubscriberRef],
        description: "In the order of the input.",
        resolve: (result) => result.subscribers,
      }),
      createdCount: t.exposeInt("created"),
      updatedCount: t.exposeInt("updated"),
    }),
  },
);

for (const [name, apply, description] of [
  ["tagSubscriber", tagSubscriber, "Puts tags on a subscriber; a tag it has already stays once."],
  ["untagSubscriber", untagSubscriber, "Takes tags off a subscriber; a tag it lacks is ignored."],
] as const) {
  builder.relayMutationField(
    name,
    {
      inputFields: (t) => ({
        subscriberId: t.id({ required: true }),
        tagIds: t.idList({ required: true }),
      }),
    },
    {
      description,
      authScopes: WRITE,
      errors: { types: mutationErrors },
      resolve: (_root, { input }, context) =>
        apply(domainOf(context), subscriberIdOf(input.subscriberId), input.tagIds.map(tagIdOf)),
    },
    {
      outputFields: (t) => ({ subscriber: t.field({ type: SubscriberRef, resolve: (s) => s }) }),
    },
  );
}
