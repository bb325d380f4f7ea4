import { campaignsByPublicId } from "../domain/campaigns/campaigns.js";
import { NotFound } from "../domain/errors.js";
import { getImports } from "../domain/imports/queries.js";
import { builder } from "./builder.js";
import { CampaignRef } from "./campaigns.js";
import { domainOf } from "./context.js";
import { publicIdOf } from "./ids.js";
import { ImportRef } from "./imports.js";
import { watchOne } from "./watch.js";

// Subscriptions are served over Server-Sent Events by graphql-yoga (`Accept: text/event-stream`
// on GET or POST /graphql, with the same API key header as queries). A change made by any server
// process or worker reaches them through Postgres LISTEN/NOTIFY (src/realtime/listener.ts).
// Scopes are checked when subscribing, as for the matching query; each state is read with the
// subscriber's own key, so another account's id is NOT_FOUND and another account's changes never
// arrive.

builder.subscriptionType({
  description:
    "Changes as they happen, over Server-Sent Events: send the subscription with `Accept: text/event-stream` (GET or POST /graphql) and read `next` events until `complete`.",
});

builder.subscriptionField("importProgress", (t) =>
  t.field({
    type: ImportRef,
    description:
      "The import's state now, then again whenever its status or counts change (after every chunk of rows read), until it ends. NOT_FOUND for an id the key's account has no import of.",
    authScopes: { scope: "imports:read" },
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, args, context) => {
      const publicId = publicIdOf(args.id, "Import");
      const domain = domainOf(context);
      return watchOne(
        context,
        "import",
        publicId,
        async (id) => (await getImports(domain, [id]))[0] ?? null,
        () => new NotFound("Import", args.id),
      );
    },
    resolve: (row) => row,
  }),
);

builder.subscriptionField("campaignProgress", (t) =>
  t.field({
    type: CampaignRef,
    description:
      "The campaign's state now, then again whenever its status or progress changes. NOT_FOUND for an id the key's account has no campaign of; the stream ends if the campaign is deleted.",
    authScopes: { scope: "campaigns:read" },
    args: { id: t.arg.id({ required: true }) },
    subscribe: (_root, args, context) => {
      const publicId = publicIdOf(args.id, "Campaign");
      const domain = domainOf(context);
      return watchOne(
        context,
        "campaign",
        publicId,
        async (id) => (await campaignsByPublicId(domain, [id]))[0] ?? null,
        () => new NotFound("Campaign", args.id),
      );
    },
    resolve: (row) => row,
  }),
);
