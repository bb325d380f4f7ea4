import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { type ServerType, serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "../../src/db/database.js";
import { createApp } from "../../src/http/app.js";
import { jobs } from "../../src/jobs/queue.js";
import { createLogger } from "../../src/log.js";
import { startTestGateway, type TestGateway } from "../helpers/server.js";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

/** A port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The app over a database that cannot be reached, served on a random port. */
async function appWithoutDatabase(): Promise<{ url: string; close: () => Promise<void> }> {
  const { db, pool } = createDatabase({
    url: `postgres://nobody:nothing@127.0.0.1:${await closedPort()}/nowhere`,
  });
  const app = createApp({ db, pool, jobs, log: createLogger("silent") });
  const server: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () =>
      resolve(started),
    );
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.destroy();
    },
  };
}

describe("health", () => {
  it("/healthz answers 200 while the process is up", async () => {
    const response = await fetch(`${gateway.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("/readyz answers 200 when the database is reachable", async () => {
    const response = await fetch(`${gateway.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", database: "reachable" });
  });

  it("/readyz answers 503 when the database is unreachable, /healthz still 200", async () => {
    const broken = await appWithoutDatabase();
    try {
      const ready = await fetch(`${broken.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: "unavailable", database: "unreachable" });
      expect((await fetch(`${broken.url}/healthz`)).status).toBe(200);

      // A GraphQL request that cannot check its key gets GraphQL's format, no detail.
      const graphql = await fetch(`${broken.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${"a".repeat(40)}` },
        body: JSON.stringify({ query: "{ viewer { scopes } }" }),
      });
      const text = await graphql.text();
      expect(graphql.status).toBe(500);
      expect(JSON.parse(text)).toEqual({
        errors: [{ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } }],
      });
      expect(graphql.headers.get("x-request-id")).toBeTruthy();
    } finally {
      await broken.close();
    }
  });
});

describe("GraphiQL", () => {
  it("serves GraphiQL to a browser, with no script or style from another host", async () => {
    const response = await fetch(`${gateway.url}/graphql`, { headers: { accept: "text/html" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    const page = await response.text();
    expect(page).toMatch(/graphiql/i);
    expect(page).toContain("contact-gateway");
    expect(page).not.toMatch(/<script[^>]+src=["']?(https?:)?\/\//i);
    expect(page).not.toMatch(/<link[^>]+href=["']?(https?:)?\/\//i);
    expect(page).not.toMatch(/@import\s+(url\()?["']?(https?:)?\/\//i);
    expect(page).not.toMatch(/unpkg\.com|jsdelivr|cdnjs|esm\.sh|googleapis/i);
    // The Headers tab starts with the Authorization header a first request needs.
    expect(page).toContain("Bearer <the key printed at first start>");
  });
});

describe("request ids", () => {
  it("puts a request id on every response, and keeps the caller's", async () => {
    const responses = [
      await fetch(`${gateway.url}/healthz`),
      await fetch(`${gateway.url}/readyz`),
      await fetch(`${gateway.url}/nowhere`),
      await fetch(`${gateway.url}/graphql`, { headers: { accept: "text/html" } }),
      await fetch(`${gateway.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ __typename }" }),
      }),
      await fetch(`${gateway.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{ broken",
      }),
      await fetch(`${gateway.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Basic abc" },
        body: JSON.stringify({ query: "{ __typename }" }),
      }),
    ];
    const ids = responses.map((response) => response.headers.get("x-request-id"));
    for (const id of ids) expect(id).toMatch(/^[\w-]{8,}$/);
    expect(new Set(ids).size).toBe(ids.length);

    const echoed = await fetch(`${gateway.url}/healthz`, {
      headers: { "x-request-id": "trace-1234" },
    });
    expect(echoed.headers.get("x-request-id")).toBe("trace-1234");
  });
});
