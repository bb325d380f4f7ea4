import type { OpenAPIHono } from "@hono/zod-openapi";
import type { BotbatApp } from "../botbat/routes.js";
import { BOTAMP_TAG, botampDescription } from "./botamp.js";
import { applyPlatformRules, BEARER, operationsOf, type ReferenceDocument } from "./platform.js";

// The OpenAPI 3.1 document of /openapi.json: botbat's /v1 API as its routes declare it (the zod
// schemas that validate each request), then the other dialects as far as they have schemas
// (botamp.ts). Generated once per app, on the first request, and kept.

export const TITLE = "contact-gateway REST API";

/** The API's version, as its paths say (/v1). */
const VERSION = "1";

/** What a tag is about, for the tags the routes use (a tag not named here is shown bare). */
const TAG_DESCRIPTIONS: Record<string, string> = {
  Contacts: "botbat: contacts, the product's subscribers",
  Webhooks: "botbat: signed deliveries of events",
  [BOTAMP_TAG]:
    "The botamp dialect, at its own paths. audience and mailtrain are not in this reference: " +
    "their requests are read by hand-written parsers, not schemas (see their READMEs).",
};

const CONFIG = {
  openapi: "3.1.0",
  info: {
    title: TITLE,
    version: VERSION,
    description:
      "botbat's /v1 API (every operation takes `Authorization: Bearer <API key>`; errors are " +
      '`{"error":{"code","message","details"?}}`), and the botamp dialect. Generated from the ' +
      "zod schemas that validate the requests.",
  },
  // Relative: the paths are on whichever host serves this document.
  servers: [{ url: "/", description: "this server" }],
  // Every operation documented takes the key as a bearer token (each also says so itself); at the
  // top, it makes the page ask for the key once, for every "Try it".
  security: [{ [BEARER]: [] }],
};

type Components = NonNullable<ReferenceDocument["components"]>;

/** `extra`'s paths and components added to `base`; a name both define differently is a bug. */
function merge(base: ReferenceDocument, extra: ReferenceDocument): ReferenceDocument {
  const paths = { ...base.paths };
  for (const [path, item] of Object.entries(extra.paths ?? {})) {
    if (paths[path]) throw new Error(`the reference documents ${path} twice`);
    paths[path] = item;
  }
  const components: Components = { ...base.components };
  for (const [kind, entries] of Object.entries(extra.components ?? {})) {
    const key = kind as keyof Components;
    const merged: Record<string, unknown> = { ...(components[key] as object) };
    for (const [name, value] of Object.entries(entries as Record<string, unknown>)) {
      if (name in merged && JSON.stringify(merged[name]) !== JSON.stringify(value))
        throw new Error(`the reference has two components ${kind}.${name}`);
      merged[name] = value;
    }
    // biome-ignore lint/suspicious/noExplicitAny: each kind's own map type, merged by name
    components[key] = merged as any;
  }
  return { ...base, paths, components };
}

/** The tags the operations use, in the order they first appear, with their descriptions. */
function tagsOf(document: ReferenceDocument) {
  const names = new Set<string>();
  for (const item of Object.values(document.paths ?? {}))
    for (const { operation } of operationsOf(item))
      for (const tag of operation.tags ?? []) names.add(tag);
  return [...names].map((name) =>
    TAG_DESCRIPTIONS[name] ? { name, description: TAG_DESCRIPTIONS[name] } : { name },
  );
}

export function buildDocument(botbat: BotbatApp): ReferenceDocument {
  const others: OpenAPIHono[] = [botampDescription()];
  let document = botbat.getOpenAPI31Document(CONFIG);
  for (const other of others) document = merge(document, other.getOpenAPI31Document(CONFIG));
  document = applyPlatformRules(document);
  return { ...document, tags: tagsOf(document) };
}
