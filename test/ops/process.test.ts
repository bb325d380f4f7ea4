import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { freePort } from "../helpers/process.js";

// The real server, as `npm start` runs it: embedded PostgreSQL under a DATA_DIR of its own (inside
// the project, so the `postgres` system user can reach it when the suite runs as root).
const root = path.resolve(".data-test", `proc-${randomBytes(4).toString("hex")}`);
const dataDir = path.join(root, "a");
const clusterDir = (dir = dataDir) => path.join(dir, "pg");

interface Server {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let running: Server | null = null;

function spawnServer(ports: { http: number; postgres: number }, dir = dataDir): Server {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dir,
    PORT: String(ports.http),
    HOST: "127.0.0.1",
    EMBEDDED_PG_PORT: String(ports.postgres),
    LOG_LEVEL: "info",
    WORKER: "inline",
  };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const server = {
    child,
    url: `http://127.0.0.1:${ports.http}`,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
  };
  running = server;
  return server;
}

/**
 * Waits for a log line; the deadline only stops a test that would hang, and sits far above a
 * normal start (2 s idle, 20 s seen on a loaded machine).
 */
async function logged(server: Server, message: string) {
  const deadline = Date.now() + 180_000;
  while (!server.stdout().includes(`"msg":"${message}"`)) {
    if (server.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`no "${message}":\n${server.stdout()}\n${server.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startServer(
  ports: { http: number; postgres: number },
  dir = dataDir,
): Promise<Server> {
  const server = spawnServer(ports, dir);
  await logged(server, "contact-gateway listening");
  return server;
}

async function stopServer(server: Server, signal: "SIGTERM" | "SIGINT") {
  const started = Date.now();
  server.child.kill(signal);
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`no exit 120 s after ${signal}`)), 120_000),
  );
  const exit = await Promise.race([server.exited, timeout]);
  running = null;
  return { ...exit, ms: Date.now() - started };
}

/** Processes whose command line names this test's cluster directory (postgres and its children). */
async function postgresProcesses(dir = dataDir): Promise<string[]> {
  const found: string[] = [];
  for (const pid of await readdir("/proc")) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (cmdline.includes(clusterDir(dir))) found.push(`${pid}: ${cmdline.replaceAll("\0", " ")}`);
  }
  return found;
}

async function graphql<T>(server: Server, key: string, query: string, variables = {}) {
  const response = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: T; errors?: unknown[] };
}

afterAll(async () => {
  // Only after a failure: stop what this test started, by its ids.
  if (running) {
    running.child.kill("SIGKILL");
    await running.exited;
  }
  for (const dir of await readdir(root).catch(() => [])) {
    const pidFile = path.join(clusterDir(path.join(root, dir)), "postmaster.pid");
    if (!existsSync(pidFile)) continue;
    const pid = Number((await readFile(pidFile, "utf8")).split("\n")[0]);
    if (pid > 0) process.kill(pid, "SIGQUIT");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await rm(root, { recursive: true, force: true });
});

it("starts on embedded Postgres, stops cleanly on SIGTERM and SIGINT, and keeps its rows", async () => {
  const ports = { http: await freePort(), postgres: await freePort() };

  const first = await startServer(ports);
  const key = /shown only this once:\s+([0-9a-f]{40})\s/.exec(first.stdout())?.[1];
  expect(key, first.stdout()).toBeDefined();
  const created = await graphql<{ createSubscriber: { subscriber: { id: string } } }>(
    first,
    key as string,
    `mutation { createSubscriber(input: { email: "kept@example.com" }) {
      __typename ... on CreateSubscriberPayload { subscriber { id } } } }`,
  );
  const subscriberId = created.data?.createSubscriber.subscriber.id;
  expect(subscriberId, JSON.stringify(created)).toBeDefined();

  const sigterm = await stopServer(first, "SIGTERM");
  expect(sigterm).toMatchObject({ code: 0, signal: null });
  expect(await postgresProcesses()).toEqual([]);
  expect(existsSync(path.join(clusterDir(), "postmaster.pid"))).toBe(false);

  const second = await startServer(ports);
  expect(second.stdout()).not.toMatch(/shown only this once/);
  expect(second.stdout()).not.toMatch(/[0-9a-f]{40}/);
  const read = await graphql<{ node: { email: string } | null }>(
    second,
    key as string,
    "query($id: ID!) { node(id: $id) { ... on Subscriber { email } } }",
    { id: subscriberId },
  );
  expect(read.data?.node).toEqual({ email: "kept@example.com" });

  const sigint = await stopServer(second, "SIGINT");
  expect(sigint).toMatchObject({ code: 0, signal: null });
  expect(await postgresProcesses()).toEqual([]);
  expect(existsSync(path.join(clusterDir(), "postmaster.pid"))).toBe(false);
}, 600_000);

it("a SIGTERM while it starts stops it once started, embedded Postgres included", async () => {
  const dir = path.join(root, "c");
  const ports = { http: await freePort(), postgres: await freePort() };
  const server = spawnServer(ports, dir);
  // The postmaster runs from here on: before, a SIGTERM in this window ended the process at once
  // and left it running.
  await logged(server, "embedded postgres started");
  const stopped = await stopServer(server, "SIGTERM");
  expect(stopped, server.stdout()).toMatchObject({ code: 0, signal: null });
  expect(server.stdout()).toContain("stopping as soon as the start has finished");
  expect(await postgresProcesses(dir)).toEqual([]);
  expect(existsSync(path.join(clusterDir(dir), "postmaster.pid"))).toBe(false);
}, 600_000);

it("exits 1 with a clear message when its port is taken, and shows the key on the next start", async () => {
  const dir = path.join(root, "b");
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  const address = taken.address();
  if (typeof address !== "object" || !address) throw new Error("no port");
  const ports = { http: address.port, postgres: await freePort() };
  const failure = await startServer(ports, dir).then(
    () => new Error("the server started on a port already in use"),
    (error: Error) => error,
  );
  await new Promise<void>((resolve) => taken.close(() => resolve()));
  expect(failure.message).toMatch(`port ${address.port} on 127.0.0.1 is already in use`);
  // The account and its key are made once the port is ours: this start spent nothing.
  expect(failure.message).not.toMatch(/shown only this once/);
  expect((await running?.exited)?.code).toBe(1);
  running = null;
  expect(await postgresProcesses(dir)).toEqual([]);

  const next = await startServer(ports, dir);
  expect(next.stdout()).toMatch(/shown only this once:\s+[0-9a-f]{40}\s/);
  expect(await stopServer(next, "SIGTERM")).toMatchObject({ code: 0 });
}, 600_000);
