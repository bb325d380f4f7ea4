import type { AddressInfo } from "node:net";
import type { ServerType } from "@hono/node-server";
import { createAccount } from "../../src/domain/accounts/accounts.js";
import { issueKey } from "../../src/domain/accounts/keys.js";
import { createApp } from "../../src/http/app.js";
import { serveApp } from "../../src/http/serve.js";
import { jobs } from "../../src/jobs/queue.js";
import { createLogger } from "../../src/log.js";
import type { LimitOverrides } from "../../src/rest/botbat/rate-limits.js";
import { createTestDatabase, type TestDatabase } from "./database.js";

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export interface TestGateway {
  url: string;
  database: TestDatabase;
  /** POSTs a GraphQL request over HTTP with the given key (Bearer). */
  graphql: <T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    key?: string | null,
  ) => Promise<GraphQLResponse<T>>;
  /** A new account and its full-scope key. */
  account: (name?: string) => Promise<{ id: string; sid: string; key: string }>;
  /** Another key of an account, with the given scopes. */
  key: (accountId: string, scopes: string[]) => Promise<string>;
  close: () => Promise<void>;
}

export interface TestGatewayOptions {
  /** Another gateway's database: a second server over it, as a second process would be. */
  database?: TestDatabase;
  /** Rows of botbat's rate-limit table replaced (small limits a test can reach). */
  botbatLimits?: LimitOverrides;
}

/** A live HTTP server on a random port over this file's own database (or `options.database`). */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const database = options.database ?? (await createTestDatabase());
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? "silent");
  const app = createApp({
    db: database.db,
    pool: database.pool,
    jobs,
    log,
    botbatLimits: options.botbatLimits,
  });
  const server: ServerType = await new Promise((resolve) => {
    const started = serveApp({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () =>
      resolve(started),
    );
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    database,
    graphql: async (query, variables, key) => {
      const response = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(key ? { authorization: `Bearer ${key}` } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    account: async (name = "test") => {
      const { account, secret } = await createAccount(database.db, {
        name,
        ownerEmail: "owner@example.com",
      });
      return { id: account.id, sid: account.sid, key: secret };
    },
    key: async (accountId, scopes) => (await issueKey(database.db, accountId, { scopes })).secret,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ("closeAllConnections" in server) server.closeAllConnections();
      });
      // A shared database is its owner's to drop.
      if (!options.database) await database.drop();
    },
  };
}
