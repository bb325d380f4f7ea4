import { encodeGlobalID } from "@pothos/plugin-relay";
import type { CampaignRow } from "../db/types.js";
import { listsOfCampaigns, tagsOfCampaigns } from "../domain/campaigns/audience.js";
import {
  CAMPAIGN_CHANNELS,
  CAMPAIGN_STATUSES,
  type CampaignInput,
  campaignsByPublicId,
  countCampaigns,
  createCampaign,
  deleteCampaign,
  pageCampaigns,
  updateCampaign,
} from "../domain/campaigns/campaigns.js";
import { builder } from "./builder.js";
import { domainOf } from "./context.js";
import { mutationErrors } from "./errors.js";
import { publicIdOf } from "./ids.js";
import { ListRef } from "./lists.js";
import { keysetConnection } from "./pagination.js";
import { scopedConnection } from "./scoped-connection.js";
import { TagRef } from "./tags.js";

const upper = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((value) => [value.toUpperCase(), { value }])) as Record<
    Uppercase<T>,
    { value: T }
  >;

const CampaignChannelEnum = builder.enumType("CampaignChannel", {
  values: upper(CAMPAIGN_CHANNELS),
});

const CampaignStatusEnum = builder.enumType("CampaignStatus", {
  description: "draft → scheduled → sending → completed / failed. Only a draft can change.",
  values: upper(CAMPAIGN_STATUSES),
});

export const CampaignRef = builder.node(builder.objectRef<CampaignRow>("Campaign"), {
  description: "A send to lists and tags.",
  id: { resolve: (campaign) => campaign.public_id },
  authScopes: { scope: "campaigns:read" },
  loadMany: async (publicIds, context) => {
    const rows = await campaignsByPublicId(domainOf(context), publicIds);
    return publicIds.map((id) => rows.find((row) => row.public_id === id) ?? null);
  },
  fields: (t) => ({
    name: t.exposeString("name"),
    channel: t.expose("channel", { type: CampaignChannelEnum }),
    subject: t.exposeString("subject", { nullable: true }),
    body: t.exposeString("body", { nullable: true }),
    status: t.expose("status", { type: CampaignStatusEnum }),
    scheduledAt: t.expose("scheduled_at", { type: "DateTime", nullable: true }),
    createdAt: t.expose("created_at", { type: "DateTime" }),
    updatedAt: t.expose("updated_at", { type: "DateTime" }),
    // One statement for the lists (and one for the tags) of every campaign on the page.
    lists: t.loadableList({
      type: ListRef,
      description: "The lists it sends to (a list deleted since is left out).",
      authScopes: { scope: "lists:read" },
      resolve: (campaign) => campaign.id,
      load: (ids: string[], context) => listsOfCampaigns(domainOf(context), ids),
    }),
    tags: t.loadableList({
      type: TagRef,
      description: "The tags it sends to (a tag deleted since is left out).",
      authScopes: { scope: "tags:read" },
      resolve: (campaign) => campaign.id,
      load: (ids: string[], context) => tagsOfCampaigns(domainOf(context), ids),
    }),
  }),
});

const CampaignFilter = builder.inputType("CampaignFilter", {
  fields: (t) => ({
    status: t.field({ type: CampaignStatusEnum }),
    createdAfter: t.field({ type: "DateTime", description: "Created at or after." }),
    createdBefore: t.field({ type: "DateTime", description: "Created strictly before." }),
  }),
});

builder.queryField("campaigns", (t) =>
  scopedConnection(t, {
    scope: "campaigns:read",
    type: CampaignRef,
    description: "The account's campaigns, oldest first.",
    args: { filter: t.arg({ type: CampaignFilter }) },
    resolve: (_root, args, context) => {
      const domain = domainOf(context);
      const filter = args.filter ?? {};
      return keysetConnection(
        args,
        (page) => pageCampaigns(domain, filter, page),
        () => countCampaigns(domain, filter),
      );
    },
  }),
);

/** Global ids of lists or tags → public ids; a malformed one or one of another type is NotFound. */
function publicIdsOf(
  globalIds: readonly string[] | null | undefined,
  typename: "List" | "Tag",
): string[] | null | undefined {
  if (globalIds == null) return globalIds;
  return globalIds.map((globalId) => publicIdOf(globalId, typename));
}

function campaignIdOf(globalId: string): string {
  return publicIdOf(globalId, "Campaign");
}

interface CampaignFieldsInput {
  name?: string | null;
  channel?: CampaignInput["channel"];
  subject?: string | null;
  body?: string | null;
  listIds?: readonly string[] | null;
  tagIds?: readonly string[] | null;
  scheduledAt?: Date | null;
}

function toDomainInput(input: CampaignFieldsInput): CampaignInput {
  return {
    ...input,
    listIds: publicIdsOf(input.listIds, "List"),
    tagIds: publicIdsOf(input.tagIds, "Tag"),
  };
}

builder.relayMutationField(
  "createCampaign",
  {
    inputFields: (t) => ({
      name: t.string({ required: true }),
      channel: t.field({ type: CampaignChannelEnum, description: "EMAIL when left out." }),
      subject: t.string(),
      body: t.string(),
      listIds: t.idList({ description: "Lists to send to." }),
      tagIds: t.idList({ description: "Tags to send to." }),
      scheduledAt: t.field({ type: "DateTime" }),
    }),
  },
  {
    description: "Creates a draft campaign.",
    authScopes: { scope: "campaigns:write" },
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) => createCampaign(domainOf(context), toDomainInput(input)),
  },
  { outputFields: (t) => ({ campaign: t.field({ type: CampaignRef, resolve: (row) => row }) }) },
);

builder.relayMutationField(
  "updateCampaign",
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      name: t.string({ description: "Left out: unchanged." }),
      channel: t.field({ type: CampaignChannelEnum, description: "Left out or null: unchanged." }),
      subject: t.string({ description: "Left out: unchanged; null: cleared." }),
      body: t.string({ description: "Left out: unchanged; null: cleared." }),
      listIds: t.idList({ description: "Replaces the lists; left out or null: unchanged." }),
      tagIds: t.idList({ description: "Replaces the tags; left out or null: unchanged." }),
      scheduledAt: t.field({
        type: "DateTime",
        description: "Left out: unchanged; null: cleared.",
      }),
    }),
  },
  {
    description: "Changes a draft campaign; any other status is a ConflictError.",
    authScopes: { scope: "campaigns:write" },
    errors: { types: mutationErrors },
    resolve: (_root, { input: { id, ...fields } }, context) =>
      updateCampaign(domainOf(context), campaignIdOf(id), toDomainInput(fields)),
  },
  { outputFields: (t) => ({ campaign: t.field({ type: CampaignRef, resolve: (row) => row }) }) },
);

builder.relayMutationField(
  "deleteCampaign",
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    description: "Deletes a draft campaign; any other status is a ConflictError.",
    authScopes: { scope: "campaigns:write" },
    errors: { types: mutationErrors },
    resolve: async (_root, { input }, context) => {
      const deleted = await deleteCampaign(domainOf(context), campaignIdOf(input.id));
      return { deletedId: encodeGlobalID("Campaign", deleted.public_id) };
    },
  },
  { outputFields: (t) => ({ deletedId: t.exposeID("deletedId") }) },
);
