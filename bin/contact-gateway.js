#!/usr/bin/env node
// The CLI runs from the TypeScript sources through tsx, so `npm ci` is the only install step.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
