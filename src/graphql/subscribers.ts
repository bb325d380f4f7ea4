import type { SubscriberRow } from "../db/types.js";
import type { Context as DomainContext } from "../domain/context.js";
import { countSubscribers, pageSubscribers } from "../domain/subscribers/page.js";
import { getSubscribers } from "../domain/subscribers/read.js";
import { tagsOfSubscribers } from "../domain/tags/tagging.js";
import { builder } from "./builder.js";
import { domainOf } from "./context.js";
import { CustomValueInterface, valuesOf } from "./custom-values.js";
import { accountFields } from "./fields.js";
import { filterIdOf } from "./filter-ids.js";
import { type ConnectionArgs, type KeysetConnection, keysetConnection } from "./pagination.js";
import { scopedConnection } from "./scoped-connection.js";
import { TagRef } from "./tags.js";

const READ = { scope: "subscribers:read" } as const;

export const SubscriberStatusEnum = builder.enumType("SubscriberStatus", {
  values: {
    ACTIVE: { value: "active" },
    UNSUBSCRIBED: { value: "unsubscribed" },
    BOUNCED: { value: "bounced" },
    COMPLAINED: { value: "complained" },
  } as const,
});

export const SubscriberRef = builder.node(builder.objectRef<SubscriberRow>("Subscriber"), {
  description: "One person, once per email in the account.",
  id: { resolve: (subscriber) => subscriber.public_id },
  authScopes: READ,
  loadMany: (publicIds, context) => getSubscribers(domainOf(context), publicIds),
  fields: (t) => ({
    email: t.exposeString("email"),
    firstName: t.exposeString("first_name", { nullable: true }),
    lastName: t.exposeString("last_name", { nullable: true }),
    phone: t.exposeString("phone", { nullable: true }),
    timezone: t.exposeString("timezone", { nullable: true }),
    jobTitle: t.exposeString("job_title", { nullable: true }),
    company: t.exposeString("company", { nullable: true }),
    country: t.exposeString("country", { nullable: true }),
    address: t.exposeString("address", { nullable: true }),
    website: t.exposeString("website", { nullable: true }),
    postalCode: t.exposeString("postal_code", { nullable: true }),
    birthday: t.expose("birthday", { type: "Date", nullable: true }),
    status: t.expose("status", { type: SubscriberStatusEnum }),
    sandbox: t.exposeBoolean("sandbox", {
      description: "Created through a sandbox API key.",
    }),
    createdAt: t.expose("created_at", { type: "DateTime" }),
    updatedAt: t.expose("updated_at", { type: "DateTime" }),
    // One statement for the tags of every subscriber in the response.
    tags: t.loadableList({
      type: TagRef,
      description: "Its tags, by name.",
      authScopes: { scope: "tags:read" },
      resolve: (subscriber) => subscriber.id,
      load: (ids: string[], context) => tagsOfSubscribers(domainOf(context), ids),
    }),
    customValues: t.field({
      type: [CustomValueInterface],
      description: "Its custom values, typed by field, in the order the fields were created.",
      resolve: async (subscriber, _args, context) =>
        valuesOf(subscriber, await accountFields(context)),
    }),
  }),
});

const SubscriberFilter = builder.inputType("SubscriberFilter", {
  fields: (t) => ({
    search: t.string({ description: "Part of the email, first, last or full name, any case." }),
    status: t.field({ type: SubscriberStatusEnum }),
    listId: t.id({ description: "On this list, whatever the subscription's status." }),
    tagId: t.id({ description: "With this tag." }),
    createdAfter: t.field({ type: "DateTime", description: "Created at or after." }),
    createdBefore: t.field({ type: "DateTime", description: "Created strictly before." }),
  }),
});

/** Query.subscribers: its resolver, and what a compiled plan (compiled.ts) calls. */
export function subscribersConnection(
  domain: DomainContext,
  args: ConnectionArgs & { filter?: typeof SubscriberFilter.$inferInput | null },
  /** How a page is read (a compiled plan's narrower statement); absent: pageSubscribers. */
  fetchPage: typeof pageSubscribers = pageSubscribers,
): Promise<KeysetConnection<SubscriberRow>> {
  const filter = {
    ...args.filter,
    listId: filterIdOf(args.filter?.listId, "List", "listId"),
    tagId: filterIdOf(args.filter?.tagId, "Tag", "tagId"),
  };
  return keysetConnection(
    args,
    (page) => fetchPage(domain, filter, page),
    () => countSubscribers(domain, filter),
  );
}

builder.queryField("subscribers", (t) =>
  scopedConnection(t, {
    scope: READ.scope,
    type: SubscriberRef,
    description: "The account's subscribers, oldest first.",
    args: { filter: t.arg({ type: SubscriberFilter }) },
    resolve: (_root, args, context) => subscribersConnection(domainOf(context), args),
    totalCountDescription: "Subscribers matching the filter; counted only when asked for.",
  }),
);
