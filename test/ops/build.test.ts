import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { USAGE } from "../../src/cli/usage.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { type ServerProcess, startServerProcess } from "../helpers/process.js";

// What ships: `npm ci` compiles src/ and migrations/ with tsconfig.build.json (the `prepare`
// script) and `npm start`, `npm run worker` and bin/contact-gateway.js run that JavaScript with
// plain node. The rest of the suite runs the sources through tsx; this file builds the sources as
// they are now (dist/ may be stale or absent while src/ changes) into a folder of its own and runs
// the result. The folder is inside the project so that the build finds node_modules and
// package.json's "type": "module", as dist/ does.

const require = createRequire(import.meta.url);
const tsc = require.resolve("typescript/bin/tsc");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...process.env, LOG_LEVEL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (data) => (stdout += data));
    child.stderr.on("data", (data) => (stderr += data));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A copy of the project's layout: <root>/dist (built here) and <root>/bin. */
let root: string;
let database: TestDatabase;
beforeAll(async () => {
  await mkdir(".build-test", { recursive: true });
  root = await mkdtemp(path.resolve(".build-test", "run-"));
  const [build] = await Promise.all([
    // The build takes about 10 s on an idle machine; the hook's own timeout is generous.
    run([tsc, "-p", "tsconfig.build.json", "--outDir", path.join(root, "dist")]),
    mkdir(path.join(root, "bin")).then(() =>
      copyFile("bin/contact-gateway.js", path.join(root, "bin", "contact-gateway.js")),
    ),
  ]);
  if (build.code !== 0) throw new Error(`the build failed:\n${build.stdout}${build.stderr}`);
  database = await createTestDatabase();
}, 300_000);
afterAll(async () => {
  await database?.drop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe("the compiled build", () => {
  it("bin/contact-gateway.js runs the compiled CLI: --help prints the usage", async () => {
    const help = await run([path.join(root, "bin", "contact-gateway.js"), "--help"]);
    expect(help).toEqual({ code: 0, stdout: USAGE, stderr: "" });
  });

  it("bin/contact-gateway.js without a build says how to make one", async () => {
    const bare = path.join(root, "bare");
    await mkdir(path.join(bare, "bin"), { recursive: true });
    await copyFile("bin/contact-gateway.js", path.join(bare, "bin", "contact-gateway.js"));
    const help = await run([path.join(bare, "bin", "contact-gateway.js"), "--help"]);
    expect(help.code).toBe(1);
    expect(help.stderr).toContain("npm run build");
  });

  it("the compiled server starts, answers /healthz, /readyz and GraphiQL, and stops", async () => {
    let server: ServerProcess | undefined;
    try {
      server = await startServerProcess({
        databaseUrl: database.url,
        entry: [path.join(root, "dist", "src", "main.js")],
      });
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok" });
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
      // GraphiQL's module is loaded on the first page asked for.
      const page = await fetch(`${server.url}/graphql`, { headers: { accept: "text/html" } });
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/graphiql/i);

      server.child.kill("SIGTERM");
      expect(await server.exited).toEqual({ code: 0, signal: null });
      expect(server.output()).toContain('"msg":"stopped"');
    } finally {
      if (server && server.child.exitCode === null) server.child.kill("SIGKILL");
    }
  }, 240_000);
});
