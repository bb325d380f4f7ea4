import { encodeGlobalID } from "@pothos/plugin-relay";
import type { TemplateRow } from "../db/types.js";
import {
  TEMPLATE_CATEGORIES,
  TEMPLATE_CHANNELS,
  type TemplateInput,
} from "../domain/templates/input.js";
import { submitTemplate } from "../domain/templates/submit.js";
import {
  countTemplates,
  createTemplate,
  deleteTemplate,
  getTemplate,
  getTemplates,
  pageTemplates,
  updateTemplate,
} from "../domain/templates/templates.js";
import { variablesIn } from "../domain/templates/variables.js";
import { builder } from "./builder.js";
import { domainOf } from "./context.js";
import { mutationErrors } from "./errors.js";
import { publicIdOf } from "./ids.js";
import { keysetConnection } from "./pagination.js";
import { scopedConnection } from "./scoped-connection.js";

// Templates: reusable message bodies with variables. WhatsApp ones are reviewed (submitTemplate)
// before they can be sent; SMS and email ones are approved at creation.

const READ = { scope: "templates:read" } as const;
const WRITE = { scope: "templates:write" } as const;

const upper = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((value) => [value.toUpperCase(), { value }])) as Record<
    Uppercase<T>,
    { value: T }
  >;

const TemplateChannelEnum = builder.enumType("TemplateChannel", {
  values: upper(TEMPLATE_CHANNELS),
});

const TemplateCategoryEnum = builder.enumType("TemplateCategory", {
  description: "WhatsApp's categories; only WhatsApp templates have one.",
  values: upper(TEMPLATE_CATEGORIES),
});

const TemplateStatusEnum = builder.enumType("TemplateStatus", {
  description:
    "WhatsApp: draft → pending (submitted) → approved / rejected, and paused or disabled by WhatsApp. SMS and email templates are approved at creation.",
  values: upper(["draft", "pending", "approved", "rejected", "paused", "disabled"] as const),
});

export const TemplateRef = builder.node(builder.objectRef<TemplateRow>("Template"), {
  description: "A reusable message body with variables ({{1}} positional, {{first_name}} named).",
  id: { resolve: (row) => row.public_id },
  authScopes: READ,
  loadMany: (publicIds, context) => getTemplates(domainOf(context), publicIds),
  fields: (t) => ({
    channel: t.expose("channel", { type: TemplateChannelEnum }),
    name: t.exposeString("name"),
    language: t.exposeString("language", { description: "As WhatsApp spells it: en, en_US." }),
    category: t.expose("category", { type: TemplateCategoryEnum, nullable: true }),
    subject: t.exposeString("subject", { nullable: true, description: "Email templates only." }),
    body: t.exposeString("body"),
    variables: t.stringList({
      description: "The variables of the subject and body, in the order they first appear.",
      resolve: (row) => variablesIn(`${row.subject ?? ""}\n${row.body}`),
    }),
    samples: t.field({
      type: "JSON",
      description: "An example value for each variable, by variable.",
      resolve: (row) => row.samples,
    }),
    status: t.expose("status", { type: TemplateStatusEnum }),
    statusReason: t.exposeString("status_reason", {
      nullable: true,
      description: "Why it was rejected, paused or disabled, as the reviewer said.",
    }),
    sandbox: t.exposeBoolean("sandbox", {
      description: "Made with a sandbox key: the sandbox reviews it, never WhatsApp.",
    }),
    submittedAt: t.expose("submitted_at", { type: "DateTime", nullable: true }),
    statusChangedAt: t.expose("status_changed_at", { type: "DateTime" }),
    createdAt: t.expose("created_at", { type: "DateTime" }),
    updatedAt: t.expose("updated_at", { type: "DateTime" }),
  }),
});

const TemplateFilter = builder.inputType("TemplateFilter", {
  fields: (t) => ({
    channel: t.field({ type: TemplateChannelEnum }),
    status: t.field({ type: TemplateStatusEnum }),
    name: t.string({ description: "Part of the name, any case." }),
  }),
});

builder.queryField("templates", (t) =>
  scopedConnection(t, {
    scope: READ.scope,
    type: TemplateRef,
    description: "The account's templates, oldest first.",
    args: { filter: t.arg({ type: TemplateFilter }) },
    resolve: (_root, args, context) => {
      const domain = domainOf(context);
      const filter = args.filter ?? {};
      return keysetConnection(
        args,
        (page) => pageTemplates(domain, filter, page),
        () => countTemplates(domain, filter),
      );
    },
  }),
);

function templateIdOf(globalId: string): string {
  return publicIdOf(globalId, "Template");
}

const SAMPLES_DESCRIPTION =
  'An example value for every variable of the subject and body: {"1": "Ada", "first_name": "Ada"}.';

builder.relayMutationField(
  "createTemplate",
  {
    inputFields: (t) => ({
      channel: t.field({ type: TemplateChannelEnum, required: true }),
      name: t.string({
        required: true,
        description: "Unique per channel and language. WhatsApp: lowercase, digits, underscores.",
      }),
      language: t.string({ description: "en when left out." }),
      category: t.field({ type: TemplateCategoryEnum, description: "Required for WhatsApp." }),
      subject: t.string({ description: "Required for email; other channels have none." }),
      body: t.string({ required: true }),
      samples: t.field({ type: "JSON", description: SAMPLES_DESCRIPTION }),
    }),
  },
  {
    description: "Creates a template: a WhatsApp one as a draft, an SMS or email one approved.",
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) =>
      createTemplate(domainOf(context), input as TemplateInput),
  },
  { outputFields: (t) => ({ template: t.field({ type: TemplateRef, resolve: (row) => row }) }) },
);

builder.relayMutationField(
  "updateTemplate",
  {
    inputFields: (t) => ({
      id: t.id({ required: true }),
      name: t.string({ description: "Left out: unchanged." }),
      language: t.string({ description: "Left out: unchanged." }),
      category: t.field({ type: TemplateCategoryEnum, description: "Left out: unchanged." }),
      subject: t.string({ description: "Left out: unchanged; null: cleared." }),
      body: t.string({ description: "Left out: unchanged." }),
      samples: t.field({
        type: "JSON",
        description: `Left out: unchanged. ${SAMPLES_DESCRIPTION}`,
      }),
    }),
  },
  {
    description:
      "Changes a template. A pending one is a ConflictError; a WhatsApp one that changes is a draft again, to be submitted.",
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: async (_root, { input: { id, ...fields } }, context) => {
      const domain = domainOf(context);
      const current = await getTemplate(domain, templateIdOf(id));
      const keep = <T>(given: T | null | undefined, now: T) => (given == null ? now : given);
      return updateTemplate(domain, current.public_id, {
        name: keep(fields.name, current.name),
        language: keep(fields.language, current.language),
        category: keep(fields.category, current.category),
        subject: fields.subject === undefined ? current.subject : fields.subject,
        body: keep(fields.body, current.body),
        samples: keep(
          fields.samples as Record<string, unknown> | null,
          current.samples as Record<string, unknown>,
        ),
      });
    },
  },
  { outputFields: (t) => ({ template: t.field({ type: TemplateRef, resolve: (row) => row }) }) },
);

builder.relayMutationField(
  "submitTemplate",
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    description:
      "Submits a WhatsApp draft or rejected template for review: it is pending until WhatsApp (or the sandbox) answers. Anything else is a ConflictError.",
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) =>
      submitTemplate(domainOf(context), templateIdOf(input.id)),
  },
  { outputFields: (t) => ({ template: t.field({ type: TemplateRef, resolve: (row) => row }) }) },
);

builder.relayMutationField(
  "deleteTemplate",
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    description:
      "Deletes a template (and, afterwards, its copy at WhatsApp if WhatsApp has it); one a campaign sends is a ConflictError.",
    authScopes: WRITE,
    errors: { types: mutationErrors },
    resolve: async (_root, { input }, context) => {
      const deleted = await deleteTemplate(domainOf(context), templateIdOf(input.id));
      return { deletedId: encodeGlobalID("Template", deleted.public_id) };
    },
  },
  { outputFields: (t) => ({ deletedId: t.exposeID("deletedId") }) },
);
