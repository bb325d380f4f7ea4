import { createHash } from "node:crypto";
import { TITLE } from "./document.js";

// The /docs page: Scalar's API reference over /openapi.json, with "Try it" sending requests
// straight to this server (same origin: no CORS, and no proxy, since none is configured). Nothing may come from elsewhere: Scalar's default fonts (a CDN), its
// request proxy, telemetry, its AI agent and MCP links are off, and the page's
// Content-Security-Policy lets the browser load and connect to this origin only.

export const DOCUMENT_PATH = "/openapi.json";

function configScript(): string {
  const config = {
    url: DOCUMENT_PATH,
    withDefaultFonts: false,
    telemetry: false,
    agent: { disabled: true },
    mcp: { disabled: true },
    showDeveloperTools: "never",
    documentDownloadType: "json",
    hideClientButton: false,
    persistAuth: false,
  };
  return `Scalar.createApiReference("#reference", ${JSON.stringify(config)});`;
}

export interface ReferencePage {
  html: string;
  /** The Content-Security-Policy the page is served with. */
  policy: string;
}

/** The page, for a bundle served at `scriptPath`; built once. */
export function referencePage(scriptPath: string): ReferencePage {
  const init = configScript();
  const hash = createHash("sha256").update(init).digest("base64");
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${TITLE}</title>
<link rel="icon" href="data:,">
</head>
<body>
<div id="reference"></div>
<script src="${scriptPath}"></script>
<script>${init}</script>
</body>
</html>
`;
  const policy = [
    "default-src 'self'",
    `script-src 'self' 'sha256-${hash}'`,
    // Scalar injects its stylesheet and sets style attributes at run time.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-ancestors 'self'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join("; ");
  return { html, policy };
}
