import type { Runner } from "graphile-worker";
import { startWorker } from "../../src/jobs/worker.js";
import { createLogger } from "../../src/log.js";
import { createMailer } from "../../src/mail/mailer.js";
import type { TestGateway } from "../helpers/server.js";

export const IMPORT_FIELDS = `id status source filename total created updated invalid processed
  progress failure createdAt startedAt finishedAt updateExisting`;

export interface ImportView {
  id: string;
  status: "QUEUED" | "RUNNING" | "COMPLETED" | "FAILED";
  source: string;
  filename: string | null;
  total: number;
  created: number;
  updated: number;
  invalid: number;
  processed: number;
  progress: number;
  failure: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updateExisting: boolean;
}

export interface UploadResponse {
  status: number;
  data?: { importSubscribers: { __typename: string; import?: ImportView; message?: string } };
  errors?: { message: string; extensions?: { code?: string } }[];
}

const MUTATION = `mutation Import($input: ImportSubscribersInput!) {
  importSubscribers(input: $input) {
    __typename
    ... on ImportSubscribersPayload { import { ${IMPORT_FIELDS} } }
    ... on Error { message }
  }
}`;

/**
 * The mutation as a GraphQL multipart request (operations, map, then the file part), the way
 * apollo-upload-client and graphql-request send it.
 */
export async function upload(
  gateway: TestGateway,
  key: string | null,
  file: { content: string | Uint8Array; name?: string; type?: string },
  input: { listId?: string; updateExisting?: boolean } = {},
): Promise<UploadResponse> {
  const form = new FormData();
  form.set(
    "operations",
    JSON.stringify({ query: MUTATION, variables: { input: { ...input, file: null } } }),
  );
  form.set("map", JSON.stringify({ 0: ["variables.input.file"] }));
  form.set(
    "0",
    new Blob([typeof file.content === "string" ? file.content : Buffer.from(file.content)], {
      type: file.type ?? "text/csv",
    }),
    file.name ?? "people.csv",
  );
  const response = await fetch(`${gateway.url}/graphql`, {
    method: "POST",
    headers: key ? { authorization: `Bearer ${key}` } : {},
    body: form,
  });
  return { status: response.status, ...((await response.json()) as object) };
}

/** Uploads and expects the import to be accepted. */
export async function uploadOk(
  gateway: TestGateway,
  key: string,
  content: string | Uint8Array,
  input: { listId?: string; updateExisting?: boolean } = {},
  file: { name?: string; type?: string } = {},
): Promise<ImportView> {
  const response = await upload(gateway, key, { content, ...file }, input);
  const payload = response.data?.importSubscribers;
  if (!payload?.import) throw new Error(`upload refused: ${JSON.stringify(response)}`);
  return payload.import;
}

/** Polls the import over GraphQL until it is COMPLETED or FAILED. */
export async function waitForImport(
  gateway: TestGateway,
  key: string,
  id: string,
  timeoutMs = 30_000,
): Promise<ImportView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await gateway.graphql<{ node: ImportView | null }>(
      `query($id: ID!) { node(id: $id) { ... on Import { ${IMPORT_FIELDS} } } }`,
      { id },
      key,
    );
    const view = response.data?.node;
    if (!view) throw new Error(`import ${id} not found: ${JSON.stringify(response)}`);
    if (view.status === "COMPLETED" || view.status === "FAILED") return view;
    if (Date.now() > deadline) throw new Error(`import ${id} still ${view.status}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A real graphile-worker runner over the test database, as `npm run worker` starts one. */
export function startTestWorker(gateway: TestGateway): Promise<Runner> {
  const { db, pool } = gateway.database;
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? "silent");
  return startWorker({ db, pool, log, mailer: createMailer(undefined, "test@localhost", log) });
}
