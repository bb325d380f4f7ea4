import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

// The real server as `npm start` runs it (node --import tsx src/main.ts), over a test database
// named by DATABASE_URL, with its worker inline: a process a test can SIGKILL or SIGTERM.

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || !address) throw new Error("no port");
  return address.port;
}

export interface ServerProcessOptions {
  databaseUrl: string;
  smtpUrl?: string;
  port?: number;
  /** node's arguments that start the server; by default the sources through tsx. */
  entry?: string[];
  /** More environment (WORKER: "off" for an HTTP-only process). */
  env?: Record<string, string>;
}

/**
 * Starts the server and resolves once it logs that it listens (a normal start takes 2–5 s). A
 * port freePort found can be taken before the server binds it (any process's outgoing connection
 * may get it as its local port): then the server is started again on another, up to 3 times.
 */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, options.port ?? (await freePort()));
    } catch (error) {
      const taken = error instanceof Error && /is already in use/.test(error.message);
      if (!taken || options.port !== undefined || attempt >= 3) throw error;
    }
  }
}

async function startOnce(options: ServerProcessOptions, port: number): Promise<ServerProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: options.databaseUrl,
    PORT: String(port),
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    WORKER: "inline",
    ...options.env,
  };
  if (options.smtpUrl) env.SMTP_URL = options.smtpUrl;
  else delete env.SMTP_URL;
  const child = spawn(process.execPath, options.entry ?? ["--import", "tsx", "src/main.ts"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  const server = { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
  // Far above a normal start, for a loaded machine.
  await until(
    () => `the server to listen:\n${output}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`the server exited:\n${output}`);
      return output.includes('"msg":"contact-gateway listening"') ? true : null;
    },
    180_000,
  );
  return server;
}

/** SIGKILL: no handler runs, sockets close as the kernel ends the process. */
export async function killHard(server: ServerProcess): Promise<void> {
  server.child.kill("SIGKILL");
  await server.exited;
}

/** Polls `probe` until it returns a value other than null, or fails after `timeoutMs`. */
export async function until<T>(
  what: string | (() => string),
  probe: () => Promise<T | null>,
  timeoutMs: number,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<unknown>;
}

/**
 * Worker processes as `npm run worker` runs them (src/jobs/run-worker.ts) on a test database, for
 * tests that kill one mid-job and let another take its jobs over.
 */
export class WorkerProcesses {
  private readonly started: WorkerProcess[] = [];

  constructor(private readonly baseEnv: () => Record<string, string>) {}

  start(env: Record<string, string> = {}): WorkerProcess {
    const child = spawn(process.execPath, ["--import", "tsx", "src/jobs/run-worker.ts"], {
      env: { ...process.env, LOG_LEVEL: "info", ...this.baseEnv(), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk) => (output += chunk));
    child.stderr?.on("data", (chunk) => (output += chunk));
    const worker = {
      child,
      output: () => output,
      exited: new Promise((resolve) => child.on("exit", resolve)),
    };
    this.started.push(worker);
    return worker;
  }

  /** Stops those still running: SIGTERM hands their jobs back, SIGKILL does not. */
  async stop(signal: "SIGTERM" | "SIGKILL" = "SIGKILL"): Promise<void> {
    for (const worker of this.started) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) {
        worker.child.kill(signal);
        await worker.exited;
      }
    }
  }
}
