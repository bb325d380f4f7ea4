import { createContextCache } from "@pothos/core";
import { encodeGlobalID } from "@pothos/plugin-relay";
import DataLoader from "dataloader";
import type { WebhookRow } from "../db/types.js";
import type { Page } from "../domain/page.js";
import { deliveryIdOf } from "../domain/webhooks/deliver.js";
import {
  countDeliveries,
  type DeliveryWithEvent,
  deliveriesOfWebhooks,
} from "../domain/webhooks/deliveries.js";
import {
  countWebhooks,
  createWebhook,
  deleteWebhook,
  getWebhook,
  getWebhooks,
  pageWebhooks,
  updateWebhook,
} from "../domain/webhooks/webhooks.js";
import { builder } from "./builder.js";
import { domainOf, type GraphQLContext } from "./context.js";
import { mutationErrors } from "./errors.js";
import { publicIdOf } from "./ids.js";
import { keysetConnection } from "./pagination.js";
import { scopedConnection } from "./scoped-connection.js";

// Webhooks: endpoints the account registers for events, and every attempt to deliver one. The
// secret is readable only in createWebhook's payload.

const READ = { scope: "webhooks:read" } as const;
const WRITE = { scope: "webhooks:write" } as const;

const DeliveryRef = builder.objectRef<DeliveryWithEvent & { webhook_public_id: string }>(
  "WebhookDelivery",
);
DeliveryRef.implement({
  description: "One attempt to deliver an event to a webhook.",
  authScopes: READ,
  fields: (t) => ({
    deliveryId: t.string({
      description: "The Botbat-Delivery header: the same on every attempt of an event.",
      resolve: (row) => deliveryIdOf(row.event_public_id, row.webhook_public_id),
    }),
    eventId: t.exposeString("event_public_id", { description: "The body's `id`." }),
    eventType: t.exposeString("event_type"),
    attempt: t.exposeInt("attempt", { description: "1 for the first attempt, 2–6 the retries." }),
    succeeded: t.exposeBoolean("succeeded"),
    statusCode: t.exposeInt("status_code", {
      nullable: true,
      description: "The receiver's status; null when none came.",
    }),
    error: t.exposeString("error", { nullable: true }),
    responseMs: t.exposeInt("response_ms"),
    responseBody: t.exposeString("response_body", {
      nullable: true,
      description: "The first bytes (about 1 KB) of the answer.",
    }),
    nextAttemptAt: t.expose("next_attempt_at", { type: "DateTime", nullable: true }),
    createdAt: t.expose("created_at", { type: "DateTime" }),
  }),
});

/** Attempts of every webhook in a response load together: one statement per page shape. */
const deliveryLoaders = createContextCache(
  (context: GraphQLContext) =>
    new DataLoader<{ webhookId: string; page: Page }, DeliveryWithEvent[], string>(
      async (keys) => {
        const domain = domainOf(context);
        const byPage = new Map<string, { page: Page; ids: string[] }>();
        for (const { webhookId, page } of keys) {
          const shape = JSON.stringify(page);
          const group = byPage.get(shape) ?? { page, ids: [] };
          group.ids.push(webhookId);
          byPage.set(shape, group);
        }
        const results = new Map<string, DeliveryWithEvent[]>();
        for (const [shape, { page, ids }] of byPage) {
          const rows = await deliveriesOfWebhooks(domain, ids, page);
          for (const [webhookId, attempts] of rows) results.set(`${webhookId}|${shape}`, attempts);
        }
        return keys.map(
          ({ webhookId, page }) => results.get(`${webhookId}|${JSON.stringify(page)}`) ?? [],
        );
      },
      { cacheKeyFn: ({ webhookId, page }) => `${webhookId}|${JSON.stringify(page)}` },
    ),
);

export const WebhookRef = builder.node(builder.objectRef<WebhookRow>("Webhook"), {
  description: "An endpoint that receives signed POSTs of the events it names.",
  id: { resolve: (row) => row.public_id },
  authScopes: READ,
  loadMany: (publicIds, context) => getWebhooks(domainOf(context), publicIds),
  fields: (t) => ({
    url: t.exposeString("url"),
    events: t.exposeStringList("events"),
    description: t.exposeString("description", { nullable: true }),
    active: t.exposeBoolean("active"),
    sandbox: t.exposeBoolean("sandbox", {
      description: "Made with a sandbox key: hears only sandbox keys' changes.",
    }),
    failingSince: t.expose("failing_since", {
      type: "DateTime",
      nullable: true,
      description: "Since when every delivery failed; a day of failures turns the webhook off.",
    }),
    disabledReason: t.exposeString("disabled_reason", { nullable: true }),
    createdAt: t.expose("created_at", { type: "DateTime" }),
    updatedAt: t.expose("updated_at", { type: "DateTime" }),
    deliveries: scopedConnection(t, {
      scope: READ.scope,
      type: DeliveryRef,
      description: "Every delivery attempt, oldest first (`last: n` reads the latest n).",
      resolve: (row, args, context) =>
        keysetConnection(
          args,
          async (page) =>
            (await deliveryLoaders(context).load({ webhookId: row.id, page })).map((attempt) => ({
              ...attempt,
              webhook_public_id: row.public_id,
            })),
          () => countDeliveries(domainOf(context), row.id),
        ),
    }),
  }),
});

builder.queryField("webhooks", (t) =>
  scopedConnection(t, {
    scope: READ.scope,
    type: WebhookRef,
    description: "The account's webhooks, oldest first.",
    resolve: (_root, args, context) => {
      const domain = domainOf(context);
      return keysetConnection(
        args,
        (page) => pageWebhooks(domain, page),
        () => countWebhooks(domain),
      );
    },
  }),
);

function webhookIdOf(globalId: string): string {
  return publicIdOf(globalId, "Webhook");
}

const EVENTS_DESCRIPTION =
  "Event types: contact.created, contact.updated, contact.deleted, import.completed.";

builder.relayMutationField(
  "createWebhook",
  {
    inputFields: (t) => ({
      url: t.string({
        required: true,
        description: "http(s); its host must resolve to public addresses only.",
      }),
      events: t.stringList({ required: true, description: EVENTS_DESCRIPTION }),
      description: t.string(),
      active: t.boolean({ description: "Default true." }),
    }),
  },
  {
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) =>
      createWebhook(domainOf(context), {
        url: input.url,
        events: input.events,
        description: input.description ?? null,
        active: input.active ?? true,
      }),
  },
  {
    outputFields: (t) => ({
      webhook: t.field({ type: WebhookRef, resolve: (row) => row }),
      secret: t.string({
        description: "Signs every delivery. Readable here only, once: keep it.",
        resolve: (row) => row.secret,
      }),
    }),
  },
);

builder.relayMutationField(
  "updateWebhook",
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      url: t.string({ description: "Absent: unchanged." }),
      events: t.stringList({ description: `Absent: unchanged. ${EVENTS_DESCRIPTION}` }),
      description: t.string({ description: "Absent: unchanged; null clears it." }),
      active: t.boolean({
        description: "Absent: unchanged. Turning a disabled webhook on clears its failure state.",
      }),
    }),
  },
  {
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: async (_root, { input }, context) => {
      const domain = domainOf(context);
      const current = await getWebhook(domain, webhookIdOf(input.id));
      return updateWebhook(domain, current.public_id, {
        url: input.url ?? current.url,
        events: input.events ?? current.events,
        description: input.description === undefined ? current.description : input.description,
        active: input.active ?? current.active,
      });
    },
  },
  { outputFields: (t) => ({ webhook: t.field({ type: WebhookRef, resolve: (row) => row }) }) },
);

builder.relayMutationField(
  "deleteWebhook",
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    description: "Deletes the webhook with its attempts; its pending deliveries do nothing.",
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: async (_root, { input }, context) => ({
      deletedId: encodeGlobalID(
        "Webhook",
        await deleteWebhook(domainOf(context), webhookIdOf(input.id)),
      ),
    }),
  },
  { outputFields: (t) => ({ deletedId: t.exposeID("deletedId") }) },
);
