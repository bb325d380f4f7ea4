import type { ApiKeyRow } from "../db/types.js";
import { updateAccount } from "../domain/accounts/accounts.js";
import { issueKey, listKeys, revokeKey } from "../domain/accounts/keys.js";
import type { Context } from "../domain/context.js";
import { builder } from "./builder.js";
import { domainOf } from "./context.js";
import { mutationErrors } from "./errors.js";
import { publicIdOf } from "./ids.js";

export const ApiKeyRef = builder.node(builder.objectRef<ApiKeyRow>("ApiKey"), {
  id: { resolve: (key) => key.public_id },
  authScopes: { scope: "admin" },
  loadMany: async (ids, context) => {
    const keys = await listKeys(domainOf(context).db, domainOf(context).account.id);
    return ids.map((id) => keys.find((key) => key.public_id === id) ?? null);
  },
  fields: (t) => ({
    label: t.exposeString("label", { nullable: true }),
    scopes: t.exposeStringList("scopes"),
    sandbox: t.exposeBoolean("sandbox", {
      description:
        "A sandbox key: the same API over the same account; what it creates is flagged sandbox and nothing it sends leaves the system.",
    }),
    createdAt: t.expose("created_at", { type: "DateTime" }),
    lastUsedAt: t.expose("last_used_at", { type: "DateTime", nullable: true }),
    revokedAt: t.expose("revoked_at", { type: "DateTime", nullable: true }),
  }),
});

export const AccountRef = builder.objectRef<Context["account"]>("Account").implement({
  description: "The tenant: everything an API key sees belongs to its account.",
  fields: (t) => ({
    name: t.exposeString("name"),
    sid: t.exposeString("sid", {
      description: "Public account id (32 hex), used in the audience dialect's paths.",
    }),
    ownerEmail: t.exposeString("owner_email", { nullable: true }),
    createdAt: t.expose("created_at", { type: "DateTime" }),
    apiKeys: t.field({
      type: [ApiKeyRef],
      authScopes: { scope: "admin" },
      description: "Every key of the account, live and revoked (secrets are never shown again).",
      resolve: (account, _args, context) => listKeys(domainOf(context).db, account.id),
    }),
  }),
});

const ViewerRef = builder.objectRef<Context>("Viewer").implement({
  description: "The caller: its account and the key it used.",
  fields: (t) => ({
    account: t.field({ type: AccountRef, resolve: (viewer) => viewer.account }),
    scopes: t.stringList({ resolve: (viewer) => viewer.key?.scopes ?? [] }),
  }),
});

builder.queryField("viewer", (t) =>
  t.field({
    type: ViewerRef,
    description: "The account and scopes of the API key that asks.",
    authScopes: { authenticated: true },
    resolve: (_root, _args, context) => domainOf(context),
  }),
);

builder.relayMutationField(
  "createApiKey",
  {
    inputFields: (t) => ({
      scopes: t.stringList({
        required: false,
        description: "Scopes such as subscribers:read, lists:write, admin. Empty: every scope.",
      }),
      label: t.string({
        required: false,
        description: "Issuing a key with a label revokes the previous key with that label.",
      }),
      sandbox: t.boolean({
        required: false,
        description:
          "A sandbox key (default false): what it creates is flagged sandbox, nothing it sends leaves the system.",
      }),
    }),
  },
  {
    authScopes: { scope: "admin" },
    errors: { types: mutationErrors },
    resolve: async (_root, { input }, context) => {
      const { key, secret } = await issueKey(domainOf(context).db, domainOf(context).account.id, {
        scopes: input.scopes ?? undefined,
        label: input.label,
        sandbox: input.sandbox ?? false,
      });
      return { key, secret };
    },
  },
  {
    outputFields: (t) => ({
      apiKey: t.field({ type: ApiKeyRef, resolve: (payload) => payload.key }),
      secret: t.exposeString("secret", {
        description: "The key itself, shown this once: only its SHA-256 is stored.",
      }),
    }),
  },
);

builder.relayMutationField(
  "revokeApiKey",
  { inputFields: (t) => ({ id: t.id({ required: true }) }) },
  {
    authScopes: { scope: "admin" },
    errors: { types: mutationErrors },
    resolve: async (_root, { input }, context) => {
      const id = publicIdOf(input.id, "ApiKey");
      return revokeKey(domainOf(context).db, domainOf(context).account.id, id);
    },
  },
  { outputFields: (t) => ({ apiKey: t.field({ type: ApiKeyRef, resolve: (key) => key }) }) },
);

builder.relayMutationField(
  "updateAccount",
  {
    inputFields: (t) => ({
      name: t.string({ required: false, description: "Absent: unchanged. Cannot be cleared." }),
      ownerEmail: t.string({
        required: false,
        description:
          "Where botamp's batch import reports are mailed. Absent: unchanged; null or empty: cleared.",
      }),
    }),
  },
  {
    authScopes: { scope: "admin" },
    errors: { types: mutationErrors },
    resolve: (_root, { input }, context) =>
      updateAccount(domainOf(context).db, domainOf(context).account.id, {
        name: input.name,
        ownerEmail: input.ownerEmail,
      }),
  },
  {
    outputFields: (t) => ({
      account: t.field({ type: AccountRef, resolve: (account) => account }),
    }),
  },
);
