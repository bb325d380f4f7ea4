import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Runner } from "graphile-worker";
import { sql } from "kysely";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configureTemplates } from "../../../src/domain/templates/settings.js";
import { DEFAULT_WEBHOOK_SETTINGS } from "../../../src/domain/webhooks/settings.js";
import { startWorker } from "../../../src/jobs/worker.js";
import { createMailer } from "../../../src/mail/mailer.js";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { waitFor } from "../../jobs/webhook-receiver.js";
import { templatesClient, WHATSAPP } from "./templates-client.js";

// Deleting a template WhatsApp has deletes it at WhatsApp: a local server speaks the Cloud API's
// template shape (creates answer an id; DELETE is read as Meta documents it), and a real worker
// runs the job the delete adds. The name of a template scripts how the server answers its
// DELETE: flaky_ fails once with 500, down_ always 503, refused_ is refused (400), gone_ is 404.
// A create of a slow_ one is answered only once the test releases it.

interface CloudRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  /** The template's name in a create's body. */
  created: string | null;
}

let gateway: TestGateway;
let worker: Runner;
let cloud: { url: string; received: CloudRequest[]; close: () => Promise<void> };
let api: ReturnType<typeof templatesClient>;
const logLines: { level: number; msg: string; reason?: string; template?: string }[] = [];
let nextId = 7_770_000;
/** The id WhatsApp answered for each created name. */
const answered = new Map<string, string>();
let releaseSlow: () => void = () => {};
const slowReleased = new Promise<void>((resolve) => {
  releaseSlow = resolve;
});

async function cloudAnswer(request: CloudRequest): Promise<{ status: number; body: string }> {
  if (request.method !== "DELETE") {
    if (request.created?.startsWith("slow_")) await slowReleased;
    const id = String(++nextId);
    answered.set(request.created ?? "", id);
    return { status: 200, body: JSON.stringify({ id, status: "PENDING" }) };
  }
  const name = request.query.get("name") ?? "";
  const tries = cloud.received.filter(
    (r) => r.method === "DELETE" && r.query.get("name") === name,
  ).length;
  if (name.startsWith("flaky_") && tries === 1) return { status: 500, body: "oops" };
  if (name.startsWith("down_")) return { status: 503, body: "down" };
  if (name.startsWith("refused_"))
    return {
      status: 400,
      body: JSON.stringify({
        error: { message: "Invalid parameter", error_user_msg: "Template is in use" },
      }),
    };
  if (name.startsWith("gone_")) return { status: 404, body: "{}" };
  return { status: 200, body: JSON.stringify({ success: true }) };
}

async function startCloud(): Promise<typeof cloud> {
  const received: CloudRequest[] = [];
  const server = http.createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const url = new URL(req.url ?? "/", "http://cloud");
    const request = {
      method: req.method ?? "",
      path: url.pathname,
      query: url.searchParams,
      authorization: req.headers.authorization,
      created: body ? ((JSON.parse(body) as { name?: string }).name ?? null) : null,
    };
    received.push(request);
    const answer = await cloudAnswer(request);
    res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

beforeAll(async () => {
  cloud = await startCloud();
  configureTemplates({
    whatsapp: {
      apiUrl: `${cloud.url}/v21.0`,
      token: "cloud-token",
      businessAccountId: "102030",
      timeoutMs: 5000,
    },
    sandboxApprovalMs: 0,
  });
  gateway = await startTestGateway();
  api = templatesClient(gateway);
  // The worker's log is read: a refusal must say WhatsApp's reason there.
  const log = pino({ level: "warn" }, { write: (line: string) => logLines.push(JSON.parse(line)) });
  worker = await startWorker(
    {
      db: gateway.database.db,
      pool: gateway.database.pool,
      log,
      mailer: createMailer(undefined, "gateway@example.com", log),
      webhooks: DEFAULT_WEBHOOK_SETTINGS,
    },
    { concurrency: 4 },
  );
});
afterAll(async () => {
  await worker?.stop();
  await cloud?.close();
  await gateway?.close();
});

const deletions = (name: string) =>
  cloud.received.filter((r) => r.method === "DELETE" && r.query.get("name") === name);

/** Created, submitted, and given its id by the Cloud API: WhatsApp has it. */
async function atWhatsApp(key: string, name: string) {
  const created = await api.create(key, { ...WHATSAPP, name });
  expect(created.status).toBe(201);
  const submitted = await api.call(key, "POST", `/v1/templates/${created.body.id}/submit`);
  expect(submitted.body.status).toBe("pending");
  const row = await waitFor(
    async () => {
      const stored = await api.row(created.body.id);
      return stored.provider_template_id !== null && stored;
    },
    "the provider's id",
    30_000,
  );
  return { id: created.body.id as string, providerTemplateId: row.provider_template_id as string };
}

/** The deletion jobs of the template still in the queue, with their tries. */
async function deletionJobs(publicId: string) {
  const { rows } = await sql<{ attempts: number; max_attempts: number; last_error: string | null }>`
    select j.attempts, j.max_attempts, j.last_error from graphile_worker._private_jobs j
    join graphile_worker._private_tasks t on t.id = j.task_id
    where t.identifier = 'delete-whatsapp-template' and j.payload ->> 'templateId' = ${publicId}`.execute(
    gateway.database.db,
  );
  return rows;
}

describe("deleting a template WhatsApp has", () => {
  it("answers 204 at once and sends WhatsApp exactly one DELETE by hsm_id and name", async () => {
    const { key } = await gateway.account();
    const { id, providerTemplateId } = await atWhatsApp(key, "order_gone");
    const deleted = await api.call(key, "DELETE", `/v1/templates/${id}`);
    expect(deleted.status).toBe(204);
    expect((await api.call(key, "GET", `/v1/templates/${id}`)).status).toBe(404);

    const [request] = await waitFor(
      () => deletions("order_gone").length > 0 && deletions("order_gone"),
      "the DELETE at WhatsApp",
      30_000,
    );
    expect(request?.path).toBe("/v21.0/102030/message_templates");
    expect(Object.fromEntries(request?.query ?? [])).toEqual({
      hsm_id: providerTemplateId,
      name: "order_gone",
    });
    expect(request?.authorization).toBe("Bearer cloud-token");
    // Done once answered: no job is left to send it again.
    await waitFor(async () => (await deletionJobs(id)).length === 0, "the job's end", 30_000);
    expect(deletions("order_gone")).toHaveLength(1);
  });

  it("a 500 is tried again with graphile-worker's backoff until WhatsApp deletes it", async () => {
    const { key } = await gateway.account();
    const { id, providerTemplateId } = await atWhatsApp(key, "flaky_gone");
    expect((await api.call(key, "DELETE", `/v1/templates/${id}`)).status).toBe(204);
    await waitFor(() => deletions("flaky_gone").length === 2, "the retried DELETE", 30_000);
    await waitFor(async () => (await deletionJobs(id)).length === 0, "the job's end", 30_000);
    expect(deletions("flaky_gone").map((r) => r.query.get("hsm_id"))).toEqual([
      providerTemplateId,
      providerTemplateId,
    ]);
  });

  it("a WhatsApp that keeps failing leaves the job queued with its error, to be tried again", async () => {
    const { key } = await gateway.account();
    const { id } = await atWhatsApp(key, "down_gone");
    expect((await api.call(key, "DELETE", `/v1/templates/${id}`)).status).toBe(204);
    const [job] = await waitFor(
      async () => {
        const queued = await deletionJobs(id);
        return queued[0]?.last_error && queued;
      },
      "the first failed try",
      30_000,
    );
    expect(job?.last_error).toContain("WhatsApp answered 503");
    expect(job?.attempts).toBeGreaterThanOrEqual(1);
    expect(job?.max_attempts).toBe(12);
    expect((await api.call(key, "GET", `/v1/templates/${id}`)).status).toBe(404);
  });

  it("a refusal ends the job (never retried) with WhatsApp's reason in the log; a 404 ends it quietly", async () => {
    const { key } = await gateway.account();
    const refused = await atWhatsApp(key, "refused_gone");
    const gone = await atWhatsApp(key, "gone_gone");
    expect((await api.call(key, "DELETE", `/v1/templates/${refused.id}`)).status).toBe(204);
    expect((await api.call(key, "DELETE", `/v1/templates/${gone.id}`)).status).toBe(204);
    for (const { id } of [refused, gone])
      await waitFor(async () => (await deletionJobs(id)).length === 0, "the job's end", 30_000);
    expect(deletions("refused_gone")).toHaveLength(1);
    expect(deletions("gone_gone")).toHaveLength(1);
    expect(logLines.filter((line) => line.template === refused.id)).toMatchObject([
      {
        msg: "WhatsApp refused to delete the template",
        reason: "WhatsApp answered 400: Template is in use",
      },
    ]);
    expect(logLines.filter((line) => line.template === gone.id)).toEqual([]);
  });
});

describe("deleting a template WhatsApp does not have, or may not be deleted", () => {
  it("a draft never submitted (no provider id) is deleted here only", async () => {
    const { key } = await gateway.account();
    const created = await api.create(key, { ...WHATSAPP, name: "draft_only" });
    expect(created.status).toBe(201);
    expect((await api.call(key, "DELETE", `/v1/templates/${created.body.id}`)).status).toBe(204);
    // The job would have been added with the delete: none exists, so none will ever run.
    expect(await deletionJobs(created.body.id)).toEqual([]);
    expect(deletions("draft_only")).toEqual([]);
  });

  it("one a campaign uses is 409 as before: kept here, nothing sent to WhatsApp", async () => {
    const { key } = await gateway.account();
    const { id, providerTemplateId } = await atWhatsApp(key, "in_a_campaign");
    const campaign = await api.call(key, "POST", "/v1/campaigns", {
      name: "Uses it",
      channel: "whatsapp",
      template_id: id,
    });
    expect(campaign.status).toBe(201);
    const refused = await api.call(key, "DELETE", `/v1/templates/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("conflict");
    expect((await api.row(id)).provider_template_id).toBe(providerTemplateId);
    expect(await deletionJobs(id)).toEqual([]);
    expect(deletions("in_a_campaign")).toEqual([]);
  });
});

describe("a delete that races the submission", () => {
  it("one deleted while WhatsApp was creating it: the copy WhatsApp made is deleted once it answers", async () => {
    const { key } = await gateway.account();
    const created = await api.create(key, { ...WHATSAPP, name: "slow_gone" });
    expect((await api.call(key, "POST", `/v1/templates/${created.body.id}/submit`)).status).toBe(
      200,
    );
    await waitFor(
      () => cloud.received.some((r) => r.created === "slow_gone"),
      "the create at WhatsApp",
      30_000,
    );
    expect((await api.call(key, "DELETE", `/v1/templates/${created.body.id}`)).status).toBe(204);
    releaseSlow();
    const [request] = await waitFor(
      () => deletions("slow_gone").length > 0 && deletions("slow_gone"),
      "the DELETE of what WhatsApp made",
      30_000,
    );
    expect(request?.query.get("hsm_id")).toBe(answered.get("slow_gone"));
    await waitFor(
      async () => (await deletionJobs(created.body.id)).length === 0,
      "the job's end",
      30_000,
    );
    expect(deletions("slow_gone")).toHaveLength(1);
  });
});
