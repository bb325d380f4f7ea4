#!/usr/bin/env node
// The CLI runs the JavaScript that `npm ci` compiled into dist/ (the `prepare` script): plain
// node, nothing compiled at start. `npm run dev:cli` runs the TypeScript sources through tsx.
import { existsSync } from "node:fs";

const cli = new URL("../dist/src/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    "contact-gateway: not built (dist/ is missing): run `npm run build` (`npm ci` does it)\n",
  );
  process.exit(1);
}
await import(cli.href);
