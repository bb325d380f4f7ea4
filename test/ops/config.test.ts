import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

const run = promisify(execFile);

describe("configuration", () => {
  it("has defaults for everything", () => {
    const config = loadConfig({});
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.SMTP_URL).toBeUndefined();
    expect(config).toMatchObject({
      PORT: 4000,
      HOST: "0.0.0.0",
      DATA_DIR: "./.data",
      LOG_LEVEL: "info",
      WORKER: "inline",
      PUBLIC_URL: "http://localhost:4000",
    });
  });

  it("reads the environment, an empty variable counting as unset", () => {
    const config = loadConfig({
      PORT: "8080",
      HOST: "127.0.0.1",
      DATABASE_URL: "postgres://u:p@db:5432/contacts",
      SMTP_URL: "",
      WORKER: "off",
    });
    expect(config).toMatchObject({
      PORT: 8080,
      DATABASE_URL: "postgres://u:p@db:5432/contacts",
      WORKER: "off",
      PUBLIC_URL: "http://127.0.0.1:8080",
    });
    expect(config.SMTP_URL).toBeUndefined();
  });

  it("names each bad variable, its value and what it must be", () => {
    expect(() => loadConfig({ PORT: "abc" })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: "abc" })).toThrow(
      'PORT="abc": must be a port number from 0 to 65535',
    );
    for (const PORT of ["70000", "4.5", "-1", "80 80"]) {
      expect(() => loadConfig({ PORT })).toThrow(/PORT=.*must be a port number/);
    }
    let message = "";
    try {
      loadConfig({ DATABASE_URL: "mysql://x", WORKER: "sometimes", LOG_LEVEL: "loud" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/DATABASE_URL="mysql:\/\/x": must be a postgres:\/\//);
    expect(message).toMatch(/WORKER="sometimes": must be inline or off/);
    expect(message).toMatch(/LOG_LEVEL="loud": must be one of/);
  });

  it("reads how many jobs a worker runs at once, a whole number from 1 to 100", () => {
    expect(loadConfig({}).WORKER_CONCURRENCY).toBe(2);
    expect(loadConfig({ WORKER_CONCURRENCY: "8" }).WORKER_CONCURRENCY).toBe(8);
    for (const [value, problem] of [
      ["0", "must be at least 1"],
      ["101", "may be at most 100"],
      ["2.5", "must be a whole number of jobs"],
      ["many", "must be a whole number of jobs"],
    ]) {
      expect(() => loadConfig({ WORKER_CONCURRENCY: value })).toThrow(
        `WORKER_CONCURRENCY="${value}": ${problem}`,
      );
    }
  });

  it("stops the server at start with exit code 1 and the message, without a stack", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: "abc" };
    delete env.DATABASE_URL;
    const failure = await run(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env,
      timeout: 120_000, // a compile through tsx takes 2 s idle, over 20 s on a loaded machine
    }).then(
      () => null,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('PORT="abc": must be a port number from 0 to 65535');
    expect(failure?.stderr).not.toMatch(/\n\s+at /);
    expect(failure?.stdout).toBe("");
  });
});
