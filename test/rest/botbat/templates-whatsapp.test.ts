import type { Runner } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueKey } from "../../../src/domain/accounts/keys.js";
import { recordTemplateStatus } from "../../../src/domain/templates/provider-status.js";
import { configureTemplates } from "../../../src/domain/templates/settings.js";
import { sendSubmission } from "../../../src/domain/templates/submit.js";
import { jobs } from "../../../src/jobs/queue.js";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import {
  type Answer,
  type Receiver,
  startReceiver,
  startTestWorker,
  waitFor,
} from "../../jobs/webhook-receiver.js";
import { templatesClient, WHATSAPP } from "./templates-client.js";

// Submission to WhatsApp: a local HTTP server speaks the Cloud API's template shape, and what it
// received is checked as Meta would read it; its decisions then arrive as the channels' webhook
// hands them over (recordTemplateStatus), each one an event.

let gateway: TestGateway;
let worker: Runner;
let cloud: Receiver;
let hooks: Receiver;
let api: ReturnType<typeof templatesClient>;
let nextId = 5_550_000;

/** The Cloud API: creates get an id; names starting with refused_ are refused; flaky_ fails once. */
function cloudAnswer(n: number): Answer {
  const request = cloud.received[n];
  const body = JSON.parse(request?.body ?? "{}") as { name?: string };
  if (body.name?.startsWith("refused_"))
    return {
      status: 400,
      body: JSON.stringify({
        error: { message: "Invalid parameter", error_user_msg: "Template name already exists" },
      }),
    };
  if (body.name?.startsWith("down_")) return { status: 503, body: "down" };
  const earlier = cloud.received.slice(0, n).filter((r) => r.body === request?.body).length;
  if (body.name?.startsWith("flaky_") && earlier === 0) return { status: 503, body: "busy" };
  if (request?.path.endsWith("/message_templates"))
    return {
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: String(++nextId), status: "PENDING", category: "UTILITY" }),
    };
  return { status: 200, body: JSON.stringify({ success: true }) };
}

beforeAll(async () => {
  cloud = await startReceiver((n) => cloudAnswer(n));
  hooks = await startReceiver();
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
  worker = await startTestWorker(gateway.database);
});
afterAll(async () => {
  await worker?.stop();
  await cloud?.close();
  await hooks?.close();
  await gateway?.close();
});

async function submitted(key: string, body: Record<string, unknown>) {
  const created = await api.create(key, body);
  expect(created.status).toBe(201);
  const answer = await api.call(key, "POST", `/v1/templates/${created.body.id}/submit`);
  expect(answer.body.status).toBe("pending");
  return created.body.id as string;
}

const requestsFor = (name: string) =>
  cloud.received.filter((request) => request.body.includes(`"${name}"`));

describe("the Cloud API", () => {
  it("receives the template in its shape; the id it gives is kept; APPROVED approves it", async () => {
    const { id: accountId, key } = await gateway.account();
    await api.listen(accountId, hooks);
    const id = await submitted(key, WHATSAPP);
    const row = await waitFor(
      async () => {
        const stored = await api.row(id);
        return stored.provider_template_id !== null && stored;
      },
      "the provider's id",
      30_000,
    );
    expect(row.status).toBe("pending");
    const [request] = requestsFor(WHATSAPP.name);
    expect(request?.path).toBe("/v21.0/102030/message_templates");
    expect(request?.headers.authorization).toBe("Bearer cloud-token");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request?.body ?? "")).toEqual({
      name: "order_shipped",
      language: "en_US",
      category: "UTILITY",
      parameter_format: "POSITIONAL",
      components: [
        {
          type: "BODY",
          text: "Hi {{1}}, your order {{2}} has shipped.",
          example: { body_text: [["Ada", "#1042"]] },
        },
      ],
    });

    const providerTemplateId = row.provider_template_id as string;
    expect(
      await recordTemplateStatus(gateway.database.db, jobs, {
        providerTemplateId,
        status: "APPROVED",
        reason: "NONE",
      }),
    ).toBe(true);
    const approved = await api.call(key, "GET", `/v1/templates/${id}`);
    expect(approved.body).toMatchObject({
      status: "approved",
      status_reason: null,
      provider_template_id: providerTemplateId,
    });
    expect(await api.events(id)).toEqual([
      { status: "pending", previous: "draft", sandbox: false },
      { status: "approved", previous: "pending", sandbox: false },
    ]);

    // FLAGGED: WhatsApp still sends it; only the reason changes, no event. PAUSED stops it.
    await recordTemplateStatus(gateway.database.db, jobs, {
      providerTemplateId,
      status: "FLAGGED",
      reason: "LOW_QUALITY",
    });
    expect((await api.row(id)).status).toBe("approved");
    expect((await api.row(id)).status_reason).toBe("LOW_QUALITY");
    expect(await api.events(id)).toHaveLength(2);
    await recordTemplateStatus(gateway.database.db, jobs, {
      providerTemplateId,
      status: "paused",
      reason: "LOW_QUALITY",
    });
    expect((await api.events(id)).at(-1)).toEqual({
      status: "paused",
      previous: "approved",
      sandbox: false,
    });
    // The webhook hears each of them.
    await waitFor(
      () => hooks.received.filter((r) => r.body.includes(id)).length === 3,
      "three deliveries",
      30_000,
    );
  });

  it("REJECTED rejects with the reason; the edited template is resubmitted in place, by its id", async () => {
    const { key } = await gateway.account();
    const named = {
      ...WHATSAPP,
      name: "welcome_named",
      body: "Hello {{first_name}}, welcome!",
      samples: { first_name: "Ada" },
    };
    const id = await submitted(key, named);
    const { provider_template_id: providerTemplateId } = await waitFor(
      async () => {
        const stored = await api.row(id);
        return stored.provider_template_id !== null && stored;
      },
      "the provider's id",
      30_000,
    );
    expect(JSON.parse(requestsFor("welcome_named")[0]?.body ?? "")).toMatchObject({
      parameter_format: "NAMED",
      components: [
        {
          type: "BODY",
          example: { body_text_named_params: [{ param_name: "first_name", example: "Ada" }] },
        },
      ],
    });
    await recordTemplateStatus(gateway.database.db, jobs, {
      providerTemplateId: providerTemplateId as string,
      status: "REJECTED",
      reason: "INVALID_FORMAT",
    });
    const rejected = await api.call(key, "GET", `/v1/templates/${id}`);
    expect(rejected.body).toMatchObject({ status: "rejected", status_reason: "INVALID_FORMAT" });

    const edited = await api.call(key, "PUT", `/v1/templates/${id}`, {
      ...named,
      body: "Hello {{first_name}}, welcome aboard!",
    });
    expect(edited.body).toMatchObject({
      status: "draft",
      provider_template_id: providerTemplateId,
    });
    // A decision about the version it replaced does not approve the draft.
    expect(
      await recordTemplateStatus(gateway.database.db, jobs, {
        providerTemplateId: providerTemplateId as string,
        status: "APPROVED",
        reason: null,
      }),
    ).toBe(true);
    expect((await api.row(id)).status).toBe("draft");
    const again = await api.call(key, "POST", `/v1/templates/${id}/submit`);
    expect(again.body.status).toBe("pending");
    const edit = await waitFor(
      () => cloud.received.find((r) => r.path === `/v21.0/${providerTemplateId}`),
      "the edit request",
      30_000,
    );
    expect(JSON.parse(edit.body)).toEqual({
      category: "UTILITY",
      components: [
        {
          type: "BODY",
          text: "Hello {{first_name}}, welcome aboard!",
          example: { body_text_named_params: [{ param_name: "first_name", example: "Ada" }] },
        },
      ],
    });
  });

  it("a refusal by the Cloud API rejects the template with its reason", async () => {
    const { id: accountId, key } = await gateway.account();
    await api.listen(accountId, hooks);
    const id = await submitted(key, { ...WHATSAPP, name: "refused_one" });
    const row = await waitFor(
      async () => {
        const stored = await api.row(id);
        return stored.status === "rejected" && stored;
      },
      "the refusal",
      30_000,
    );
    expect(row.status_reason).toBe("WhatsApp answered 400: Template name already exists");
    expect(row.provider_template_id).toBeNull();
    expect((await api.events(id)).map((event) => event.status)).toEqual(["pending", "rejected"]);
  });

  it("a Cloud API that answers 503 is tried again until it takes the template", async () => {
    const { key } = await gateway.account();
    const id = await submitted(key, { ...WHATSAPP, name: "flaky_one" });
    await waitFor(
      async () => (await api.row(id)).provider_template_id !== null,
      "the id after a retry",
      30_000,
    );
    expect(requestsFor("flaky_one")).toHaveLength(2);
    expect((await api.row(id)).status).toBe("pending");
  });

  it("the last try of a Cloud API that never answers rejects the template with why", async () => {
    const { key } = await gateway.account();
    const id = await submitted(key, { ...WHATSAPP, name: "down_one" });
    const row = await api.row(id);
    // The job's own tries meet 503s and are retried; its last one is this call.
    await sendSubmission(
      gateway.database.db,
      jobs,
      { templateId: row.id, submittedAt: (row.submitted_at as Date).toISOString() },
      true,
    );
    const after = await api.row(id);
    expect([after.status, after.status_reason]).toEqual(["rejected", "WhatsApp answered 503"]);
    // Rejected: it may be submitted again.
    expect((await api.call(key, "POST", `/v1/templates/${id}/submit`)).body.status).toBe("pending");
  });

  it("an unknown provider id is not applied (false), and changes nothing", async () => {
    const before = await gateway.database.db
      .selectFrom("templates")
      .select(["id", "status", "updated_at"])
      .orderBy("id")
      .execute();
    expect(
      await recordTemplateStatus(gateway.database.db, jobs, {
        providerTemplateId: "999999999",
        status: "APPROVED",
        reason: null,
      }),
    ).toBe(false);
    const after = await gateway.database.db
      .selectFrom("templates")
      .select(["id", "status", "updated_at"])
      .orderBy("id")
      .execute();
    expect(after).toEqual(before);
  });

  it("a sandbox key's template never reaches WhatsApp: the sandbox approves it", async () => {
    const { id: accountId } = await gateway.account();
    const { secret } = await issueKey(gateway.database.db, accountId, { sandbox: true });
    const id = await submitted(secret, { ...WHATSAPP, name: "sandboxed_one" });
    await waitFor(
      async () => (await api.row(id)).status === "approved",
      "sandbox approval",
      30_000,
    );
    expect(requestsFor("sandboxed_one")).toEqual([]);
    expect((await api.row(id)).provider_template_id).toBeNull();
  });
});
