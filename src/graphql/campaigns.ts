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
import { refsOfCampaigns } from "../domain/campaigns/payload.js";
import { cancelCampaign, sendCampaign } from "../domain/campaigns/send.js";
import { statsOfCampaigns } from "../domain/campaigns/stats.js";
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
  description:
    "draft → scheduled → sending → completed / failed. Only a draft can change; editing a scheduled one (or cancelCampaign) returns it to draft.",
  values: upper(CAMPAIGN_STATUSES),
});

const CampaignStatsRef = builder
  .objectRef<Awaited<ReturnType<typeof statsOfCampaigns>>[number]>("CampaignStats")
  .implement({
    description: "Its messages by status, counted (exact) when asked.",
    fields: (t) => ({
      total: t.exposeInt("total", { description: "Messages written so far." }),
      queued: t.exposeInt("queued"),
      sent: t.exposeInt("sent"),
      delivered: t.exposeInt("delivered"),
      read: t.exposeInt("read"),
      failed: t.exposeInt("failed"),
    }),
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
    // One statement for the templates of every campaign of the response.
    templateId: t.loadable({
      type: "ID",
      nullable: true,
      description: "The Template it sends (global id); null: its own subject and body.",
      resolve: (campaign) => campaign.id,
      load: async (ids: string[], context) => {
        const domain = domainOf(context);
        const refs = await refsOfCampaigns(
          domain.db,
          domain.account.id,
          ids.map((id) => ({ id })),
        );
        return refs.map((ref) =>
          ref.templateId === null ? null : encodeGlobalID("Template", ref.templateId),
        );
      },
    }),
    variables: t.field({
      type: "JSON",
      description: "The template's variables: position or name → a value.",
      resolve: (campaign) => campaign.variables,
    }),
    sandbox: t.exposeBoolean("sandbox"),
    startedAt: t.expose("started_at", { type: "DateTime", nullable: true }),
    audienceDoneAt: t.expose("audience_done_at", {
      type: "DateTime",
      nullable: true,
      description: "When every subscriber of the audience had its message.",
    }),
    completedAt: t.expose("completed_at", { type: "DateTime", nullable: true }),
    failureReason: t.exposeString("failure_reason", { nullable: true }),
    // One `group by` over the messages of every campaign of the response.
    stats: t.loadable({
      type: CampaignStatsRef,
      resolve: (campaign) => campaign.id,
      load: (ids: string[], context) => {
        const domain = domainOf(context);
        return statsOfCampaigns(domain.db, domain.account.id, ids);
      },
    }),
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
  templateId?: string | null;
  variables?: unknown;
}

function toDomainInput(input: CampaignFieldsInput): CampaignInput {
  return {
    ...input,
    listIds: publicIdsOf(input.listIds, "List"),
    tagIds: publicIdsOf(input.tagIds, "Tag"),
    templateId:
      input.templateId == null ? input.templateId : publicIdOf(input.templateId, "Template"),
    variables: input.variables as CampaignInput["variables"],
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
      templateId: t.id({ description: "A Template of the campaign's channel." }),
      variables: t.field({
        type: "JSON",
        description: 'The template\'s variables: {"1": "{{first_name}}"}.',
      }),
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
      templateId: t.id({ description: "Left out: unchanged; null: cleared (sends its body)." }),
      variables: t.field({ type: "JSON", description: "Replaces them; left out: unchanged." }),
    }),
  },
  {
    description:
      "Changes a draft campaign; a scheduled one returns to draft (its schedule dropped); any other status is a ConflictError.",
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

builder.relayMutationField(
  "sendCampaign",
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      at: t.field({
        type: "DateTime",
        description: "When to send (in the future); left out or null: now.",
      }),
    }),
  },
  {
    description:
      "Sends a draft now (SENDING) or schedules it (SCHEDULED). Another status, or a template not approved, is a ConflictError; no text, no audience, a variable without value or a time in the past is a ValidationError.",
    authScopes: { scope: "campaigns:write" },
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) =>
      sendCampaign(domainOf(context), campaignIdOf(input.id), input.at ?? null),
  },
  { outputFields: (t) => ({ campaign: t.field({ type: CampaignRef, resolve: (row) => row }) }) },
);

builder.relayMutationField(
  "cancelCampaign",
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    description:
      "Returns a scheduled campaign to draft and drops its schedule; another status is a ConflictError.",
    authScopes: { scope: "campaigns:write" },
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) =>
      cancelCampaign(domainOf(context), campaignIdOf(input.id)),
  },
  { outputFields: (t) => ({ campaign: t.field({ type: CampaignRef, resolve: (row) => row }) }) },
);
