import type { SubscriberRow } from "../db/types.js";
import {
  countMembers,
  type Member,
  type Membership,
  pageMembers,
  subscribe,
  subscriptionsOfSubscribers,
  unsubscribe,
} from "../domain/lists/subscriptions.js";
import { builder } from "./builder.js";
import { domainOf } from "./context.js";
import { mutationErrors } from "./errors.js";
import { publicIdOf } from "./ids.js";
import { ListRef, listIdOf } from "./lists.js";
import { keysetConnection } from "./pagination.js";
import { scopedConnection } from "./scoped-connection.js";
import { SubscriberRef } from "./subscribers.js";

// Who is on which list: a subscriber's subscriptions, a list's subscribers, and the mutations
// that put a subscriber on a list or take them off.

export const SubscriptionStatusEnum = builder.enumType("SubscriptionStatus", {
  values: {
    SUBSCRIBED: { value: "subscribed" },
    UNSUBSCRIBED: { value: "unsubscribed" },
    BOUNCED: { value: "bounced" },
    COMPLAINED: { value: "complained" },
    PENDING: { value: "pending" },
  } as const,
});

export const ListSubscriptionRef = builder.objectRef<Membership>("ListSubscription").implement({
  description: "A subscriber's membership of one list, with a status of its own.",
  authScopes: { scope: "subscribers:read" },
  fields: (t) => ({
    list: t.field({
      type: ListRef,
      description: "Comes with the subscription, in the same statement.",
      resolve: (subscription) => subscription.list,
    }),
    status: t.expose("status", { type: SubscriptionStatusEnum }),
    statusChangedAt: t.expose("status_changed_at", { type: "DateTime" }),
    source: t.exposeString("source", {
      description: "Where the subscription (or the latest re-subscription) came from, e.g. api.",
    }),
    createdAt: t.expose("created_at", { type: "DateTime" }),
  }),
});

builder.objectFields(SubscriberRef, (t) => ({
  subscriptions: t.loadableList({
    type: ListSubscriptionRef,
    description: "Every list this subscriber is on, in any status, oldest subscription first.",
    authScopes: { scope: "subscribers:read" },
    // One statement for every subscriber of the response, lists joined in.
    load: (subscriberIds: string[], context) =>
      subscriptionsOfSubscribers(domainOf(context), subscriberIds),
    resolve: (subscriber) => subscriber.id,
  }),
}));

/** Rows of List.subscribers are subscribers that carry their subscription to that list. */
function membershipOf(node: SubscriberRow): Membership {
  return (node as Member).membership;
}

builder.objectField(ListRef, "subscribers", (t) =>
  scopedConnection(t, {
    scope: "subscribers:read",
    type: SubscriberRef,
    description: "The list's subscribers in subscriber order; each edge has the subscription.",
    args: {
      status: t.arg({
        type: SubscriptionStatusEnum,
        description: "Only subscriptions in this status; absent: every status.",
      }),
    },
    resolve: (list, args, context) => {
      const domain = domainOf(context);
      const filter = { status: args.status };
      return keysetConnection<Member>(
        args,
        (page) => pageMembers(domain, list, filter, page),
        () => countMembers(domain, list.id, filter),
      );
    },
    connectionName: "ListSubscribersConnection",
    edge: {
      name: "ListSubscribersEdge",
      fields: (t) => ({
        subscription: t.field({
          type: ListSubscriptionRef,
          resolve: (edge) => membershipOf(edge.node),
        }),
      }),
    },
  }),
);

function subscriberIdOf(globalId: string): string {
  return publicIdOf(globalId, "Subscriber");
}

for (const [name, change, description] of [
  [
    "subscribeToList",
    subscribe,
    "Puts the subscriber on the list (SUBSCRIBED). Already subscribed: nothing changes.",
  ],
  [
    "unsubscribeFromList",
    unsubscribe,
    "Takes the subscriber off the list: the subscription stays, UNSUBSCRIBED.",
  ],
] as const) {
  builder.relayMutationField(
    name,
    {
      inputFields: (t) => ({
        subscriberId: t.id({ required: true }),
        listId: t.id({ required: true }),
      }),
    },
    {
      description,
      authScopes: { scope: "subscribers:write" },
      errors: { types: mutationErrors },
      resolve: (_root, { input }, context) =>
        change(domainOf(context), {
          subscriberId: subscriberIdOf(input.subscriberId),
          listId: listIdOf(input.listId),
        }),
    },
    {
      outputFields: (t) => ({
        subscription: t.field({
          type: ListSubscriptionRef,
          resolve: (result) => result.subscription,
        }),
        subscriber: t.field({ type: SubscriberRef, resolve: (result) => result.subscriber }),
      }),
    },
  );
}
