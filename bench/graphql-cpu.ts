import { createDatabase } from "../src/db/database.js";
import { createAccount } from "../src/domain/accounts/accounts.js";
import { compiledStats } from "../src/graphql/compiled.js";
import { createGraphQLServer } from "../src/graphql/server.js";
import { createApp } from "../src/http/app.js";
import { identify } from "../src/http/auth.js";
import { domainContextOf } from "../src/http/deps.js";
import { jobs } from "../src/jobs/queue.js";
import { createLogger } from "../src/log.js";
import { seedAudience } from "./seed.js";

// CPU per GraphQL request in this process, without HTTP sockets or a load generator: yoga with
// compiled plans off (graphql-js executes every field) and on, and the whole Hono app with plans.
// Requests run one after another, so the CPU figure (process.cpuUsage) is this process's own,
// less disturbed by a busy machine than requests per second; wall time includes PostgreSQL.
//
//   DATABASE_URL=postgres://… NODE_ENV=production node --import tsx bench/graphql-cpu.ts [N]
//
// It makes an account with 10,000 seeded subscribers in that (migrated) database, measures the
// side-by-side page and npm run bench's nested page, and deletes the account.

const url = process.env.DATABASE_URL;
if (!url) throw new Error("DATABASE_URL: a database the gateway has migrated");
const rounds = Number(process.argv[2] ?? 300);

const SIDE_BY_SIDE = `query SubscribersPage { subscribers(first: 50) { edges { node {
  id email firstName lastName tags { name } subscriptions { status list { name } } } } } }`;
const NESTED_PAGE = `query Page($first: Int!) { subscribers(first: $first) {
  edges { node {
    id email firstName lastName status
    tags { id name }
    subscriptions { status statusChangedAt list { id name } }
    customValues { field { id name } ... on StringCustomValue { text: value }
      ... on NumberCustomValue { number: value } ... on DropdownCustomValue { option: value } }
  } }
  pageInfo { endCursor hasNextPage } } }`;

const { db, pool } = createDatabase({ url, max: 10 });
const log = createLogger("warn");
const { account, secret } = await createAccount(db, {
  name: `graphql-cpu-${Date.now()}`,
  ownerEmail: "bench@example.com",
});
try {
  await seedAudience(db, account.id, 10_000);
  const identity = await identify(db, `Bearer ${secret}`);
  if (identity.kind !== "key") throw new Error("the bench key was refused");
  const domain = domainContextOf({ db, jobs, log }, identity, log);
  const app = createApp({ db, pool, jobs, log });
  const off = createGraphQLServer(log, { compiledPlans: false });
  const on = createGraphQLServer(log);

  for (const [name, query, variables] of [
    ["side-by-side page", SIDE_BY_SIDE, {}],
    ["npm run bench's page (a)", NESTED_PAGE, { first: 50 }],
  ] as const) {
    const body = JSON.stringify({ query, variables });
    const request = () =>
      new Request("http://localhost/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
        body,
      });
    const targets: [string, () => Promise<Response> | Response][] = [
      ["yoga, plans off", () => off.fetch(request(), { domain, log })],
      ["yoga, plans on", () => on.fetch(request(), { domain, log })],
      ["Hono app + yoga, plans on", () => app.fetch(request())],
    ];
    console.log(`\n${name}`);
    for (let repeat = 0; repeat < 2; repeat++) {
      for (const [target, send] of targets) {
        let bytes = 0;
        for (let index = 0; index < 30; index++) bytes = (await (await send()).text()).length;
        const planned = compiledStats.planned;
        const cpu = process.cpuUsage();
        const started = performance.now();
        for (let index = 0; index < rounds; index++) await (await send()).text();
        const used = process.cpuUsage(cpu);
        const wall = performance.now() - started;
        console.log(
          `  ${target.padEnd(26)} cpu ${((used.user + used.system) / 1000 / rounds).toFixed(2)} ms/request  wall ${(wall / rounds).toFixed(2)} ms  ${bytes} bytes  planned ${compiledStats.planned - planned}/${rounds}`,
        );
      }
    }
  }
} finally {
  await db.deleteFrom("accounts").where("id", "=", account.id).execute();
  await db.destroy();
}
