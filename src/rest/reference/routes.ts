import { Hono } from "hono";
import type { BotbatApp } from "../botbat/routes.js";
import { lazyAsset, scalarBundle } from "./assets.js";
import { buildDocument } from "./document.js";
import { DOCUMENT_PATH, referencePage } from "./page.js";

// The browsable reference: GET /openapi.json (the document), GET /docs (the page) and the page's
// one script, all served from this process: it works with no network beyond this server.

/** A year: the bundle's URL names its version, so a cached copy is never stale. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/** The reference of `botbat` (and the dialects document.ts adds), built on first request. */
export function createReferenceRoutes(botbat: BotbatApp): Hono {
  const app = new Hono();
  const bundle = scalarBundle();
  const asset = lazyAsset(bundle.file, bundle.path);
  const page = referencePage(bundle.path);
  let documentJson: string | undefined;

  app.get(DOCUMENT_PATH, (c) => {
    // Built when first asked, once every route is registered, then the same text every time.
    documentJson ??= JSON.stringify(buildDocument(botbat));
    return c.body(documentJson, 200, {
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "no-cache",
    });
  });

  app.get("/docs", (c) =>
    c.html(page.html, 200, {
      "Content-Security-Policy": page.policy,
      "Cache-Control": "no-cache",
    }),
  );

  app.get(bundle.path, async (c) => {
    const { body, gzipped } = await asset();
    const gzip = /\bgzip\b/i.test(c.req.header("accept-encoding") ?? "");
    const bytes = gzip ? gzipped : body;
    return c.body(bytes, 200, {
      "Content-Type": "text/javascript; charset=utf-8",
      "Cache-Control": IMMUTABLE,
      Vary: "Accept-Encoding",
      ...(gzip ? { "Content-Encoding": "gzip" } : {}),
    });
  });
  return app;
}
