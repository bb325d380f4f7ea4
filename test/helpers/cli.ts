import { spawn } from "node:child_process";

// The CLI in a process of its own over a test database (through DATABASE_URL), from its sources
// through tsx, as test/cli/cli.test.ts runs it.

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(databaseUrl: string, ...args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "" },
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
