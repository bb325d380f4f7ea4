import pg from "pg";

// botamp's batch endpoint under load: one request carrying `rows` subscribers (100,000 by
// default), timed from the first byte sent to the 200, then the import job timed until the
// import is completed (polled in the imports table). The server must run its worker (npm start
// does) for the second figure.

export interface BotampBatchFigures {
  rows: number;
  /** Size of the request body. */
  bodyBytes: number;
  /** Request sent → 200 received. */
  acceptMs: number;
  /** 200 received → import completed. */
  processMs: number;
  /** rows / processMs. */
  rowsPerSecond: number;
  created: number;
  updated: number;
  invalid: number;
  /** The run its emails are named by (pass it again, with `from`, to update them). */
  run: string;
}

/**
 * Every field documented, two tags per subscriber, a shared country and company. Emails are
 * `botamp-<run>-<from + i>`: a batch with the run of an earlier one and `from` inside its range
 * updates those subscribers and creates the rest.
 */
function body(rows: number, run: string, from: number): string {
  const subscribers = Array.from({ length: rows }, (_, i) => ({
    email: `botamp-${run}-${from + i}@example.com`,
    name: `Person ${i}`,
    job_title: "Engineer",
    country: "France",
    address: `${i} rue de Rivoli`,
    company_name: `Company ${i % 1000}`,
    website: "https://example.com",
    postal_code: "75001",
    birthday: "1990-01-31",
    tags: ["bench", `group-${i % 10}`],
  }));
  return JSON.stringify({ subscribers });
}

export async function benchBotampBatch(options: {
  baseUrl: string;
  /** A key of the account the subscribers go to (subscribers:write). */
  key: string;
  /** The server's database, where the import's progress is read. */
  databaseUrl: string;
  rows?: number;
  /** Emails of an earlier batch's run, from its `from`-th subscriber on (default: new ones). */
  run?: string;
  from?: number;
  timeoutMs?: number;
}): Promise<BotampBatchFigures> {
  const rows = options.rows ?? 100_000;
  const run = options.run ?? Date.now().toString(36);
  const payload = body(rows, run, options.from ?? 0);
  const started = performance.now();
  const response = await fetch(`${options.baseUrl}/api/subscribers/create_or_update_many`, {
    method: "POST",
    headers: {
      "content-type": "application/json; charset=utf-8",
      authorization: `Bearer ${options.key}`,
    },
    body: payload,
  });
  const answer = (await response.json()) as { import_id?: string };
  const accepted = performance.now();
  if (response.status !== 200 || !answer.import_id) {
    throw new Error(`botamp batch refused: ${response.status} ${JSON.stringify(answer)}`);
  }

  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    const deadline = Date.now() + (options.timeoutMs ?? 10 * 60 * 1000);
    for (;;) {
      const { rows: found } = await client.query<{
        status: string;
        created: number;
        updated: number;
        invalid: number;
        failure: string | null;
      }>("select status, created, updated, invalid, failure from imports where public_id = $1", [
        answer.import_id,
      ]);
      const imp = found[0];
      if (imp?.status === "failed") throw new Error(`botamp batch import failed: ${imp.failure}`);
      if (imp?.status === "completed") {
        const processMs = performance.now() - accepted;
        return {
          rows,
          bodyBytes: Buffer.byteLength(payload),
          acceptMs: Math.round(accepted - started),
          processMs: Math.round(processMs),
          rowsPerSecond: Math.round(rows / (processMs / 1000)),
          created: imp.created,
          updated: imp.updated,
          invalid: imp.invalid,
          run,
        };
      }
      if (Date.now() > deadline)
        throw new Error(`botamp batch import ${answer.import_id} timed out`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await client.end();
  }
}
