import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { createDatabase } from "/work/main/src/db/database.js";
import { ensureDatabase, startEmbeddedPostgres } from "/work/main/src/db/embedded.js";
import { migrateToLatest } from "/work/main/src/db/migrate.js";
import { createAccount } from "/work/main/src/domain/accounts/accounts.js";
import { installJobQueue } from "/work/main/src/jobs/worker.js";
import { createLogger } from "/work/main/src/log.js";
import { benchMailtrain, seedMailtrainList } from "/work/main/bench/mailtrain.js";

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => { const a = s.address(); s.close(() => resolve(typeof a === "object" && a ? a.port : 0)); });
  });
}
const log = createLogger("warn");
const dataDir = path.resolve("/tmp/mtbench/data");
await rm(dataDir, { recursive: true, force: true });
const pg = await startEmbeddedPostgres({ dataDir, port: await freePort(), log });
try {
  await ensureDatabase(pg.url("postgres"), "bench");
  const databaseUrl = pg.url("bench");
  const { db, pool } = createDatabase({ url: databaseUrl });
  await migrateToLatest(db);
  await installJobQueue(pool, log);
  const { account, secret } = await createAccount(db, { name: "bench" });
  let t = performance.now();
  const listCid = await seedMailtrainList(db, account.id, 100_000);
  console.log("seeded in", Math.round(performance.now() - t), "ms");
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const server = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: "/work/main",
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  for (let i = 0; i < 100; i++) { if (await fetch(`${baseUrl}/readyz`).then(r => r.ok, () => false)) break; await new Promise(r => setTimeout(r, 200)); }
  for (const limit of [undefined, "0"]) {
    const figures = await benchMailtrain({ baseUrl, token: secret, listCid, serverPid: server.pid, seconds: Number(process.env.S ?? 10), limit });
    console.log(limit ?? "default", figures);
  }
  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  await db.destroy();
} finally {
  await pg.stop();
  await rm(dataDir, { recursive: true, force: true });
}
