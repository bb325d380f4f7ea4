import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createDatabase } from "../src/db/database.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { createAccount } from "../src/domain/accounts/accounts.js";
import { importInProcess } from "../src/domain/imports/in-process.js";
import { jobs } from "../src/jobs/queue.js";
import { installJobQueue } from "../src/jobs/worker.js";
import { createLogger } from "../src/log.js";

export interface ImportFigures {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
}

/**
 * Rows/s of a CSV import, end to end: from `createImport` reading the file to the import's
 * completion (parse, COPY into staging, the one upsert transaction), on a fresh account.
 */
export async function benchImport(opts: {
  databaseUrl: string;
  rows: number;
}): Promise<ImportFigures> {
  const log = createLogger(process.env.BENCH_LOG_LEVEL ?? "warn");
  const dir = await mkdtemp(path.join(tmpdir(), "cg-bench-import-"));
  const file = path.join(dir, "subscribers.csv");
  const { db, pool } = createDatabase({ url: opts.databaseUrl, max: 5 });
  try {
    await writeCsv(file, opts.rows);
    await migrateToLatest(db);
    await installJobQueue(pool, log);
    const { account } = await createAccount(db, { name: `bench import ${Date.now()}` });
    await db
      .insertInto("custom_fields")
      .values({
        account_id: account.id,
        name: "Age",
        type: "number",
        merge_tag: "AGE",
        column_name: "age",
      })
      .execute();

    const started = performance.now();
    const finished = await importInProcess(
      { db, pool, log },
      { db, account, key: null, jobs, log },
      { source: "bench", filename: "subscribers.csv", content: createReadStream(file) },
    );
    const seconds = (performance.now() - started) / 1000;
    if (finished.status !== "completed" || finished.created !== opts.rows) {
      throw new Error(
        `the bench import ended ${finished.status} with ${finished.created} of ${opts.rows} rows created: ${finished.failure ?? ""}`,
      );
    }
    return {
      rows: opts.rows,
      seconds: Math.round(seconds * 100) / 100,
      rowsPerSecond: Math.round(opts.rows / seconds),
    };
  } finally {
    await db.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

async function writeCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  const done = new Promise<void>((resolve, reject) => {
    out.on("finish", () => resolve());
    out.on("error", reject);
  });
  let text = "email,first_name,last_name,age\n";
  for (let i = 1; i <= rows; i++) {
    text += `bench${i}@example.com,First${i},Last${i},${18 + (i % 70)}\n`;
    if (text.length > 1 << 20) {
      if (!out.write(text))
        await new Promise<void>((resolve) => out.once("drain", () => resolve()));
      text = "";
    }
  }
  out.end(text);
  await done;
}

// `tsx bench/import.ts [rows]` on its own: DATABASE_URL, or the embedded server under DATA_DIR.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { loadConfig } = await import("../src/config.js");
  const { openDatabaseServer } = await import("../src/db/open.js");
  const server = await openDatabaseServer(loadConfig(), createLogger("warn"));
  try {
    const figures = await benchImport({
      databaseUrl: server.url,
      rows: Number(process.argv[2] ?? 1_000_000),
    });
    console.log(JSON.stringify(figures));
  } finally {
    await server.stop();
  }
}
