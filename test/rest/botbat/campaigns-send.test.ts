import { encodeGlobalID } from "@pothos/plugin-relay";
import type { Runner } from "graphile-worker";
import { sql } from "kysely";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startWorker } from "../../../src/jobs/worker.js";
import { createLogger } from "../../../src/log.js";
import { createMailer } from "../../../src/mail/mailer.js";
import { until } from "../../helpers/process.js";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { call, fanOutJobs, list, subscriber, tag, template } from "./campaigns-fixtures.js";

// A campaign sent through the sandbox by a real worker, over HTTP and GraphQL: one message per
// eligible subscriber and none for the others, rendered per recipient, the campaign completed
// with exact stats, its status changes as events; and a schedule cancelled leaves no job.

let gateway: TestGateway;
let worker: Runner;
beforeAll(async () => {
  gateway = await startTestGateway();
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? "silent");
  worker = await startWorker({
    db: gateway.database.db,
    pool: gateway.database.pool,
    log,
    mailer: createMailer(undefined, "campaigns@example.com", log),
  });
});
afterAll(async () => {
  await worker?.stop();
  await gateway?.close();
});

const db = () => gateway.database.db;

it("sends a sandbox campaign to each eligible subscriber once, and completes with exact stats", async () => {
  const { id: accountId } = await gateway.account();
  const key = (
    await import("../../../src/domain/accounts/keys.js").then(({ issueKey }) =>
      issueKey(db(), accountId, {
        scopes: ["campaigns:read", "campaigns:write", "webhooks:write"],
        sandbox: true,
      }),
    )
  ).secret;
  const members = await list(db(), accountId, "members");
  const vip = await tag(db(), accountId, "vip");
  const tpl = await template(db(), accountId, {
    channel: "email",
    subject: "For {{first_name}}",
    body: "Hello {{1}}, your code is {{2}}",
  });
  // Eligible: on the list, with the tag, or both (still one message).
  const eligible = [
    await subscriber(db(), accountId, {
      email: "ann@example.com",
      firstName: "Ann",
      lists: [{ id: members.id }],
    }),
    await subscriber(db(), accountId, { email: "bob@example.com", tags: [{ id: vip.id }] }),
    await subscriber(db(), accountId, {
      email: "cy@example.com",
      firstName: "Cy",
      lists: [{ id: members.id }],
      tags: [{ id: vip.id }],
    }),
  ];
  // Not eligible: unsubscribed from the list, unsubscribed, bounced, complained, blocklisted,
  // outside the audience.
  await subscriber(db(), accountId, {
    email: "left@example.com",
    lists: [{ id: members.id, status: "unsubscribed" }],
  });
  for (const status of ["unsubscribed", "bounced", "complained"] as const)
    await subscriber(db(), accountId, {
      email: `${status}@example.com`,
      status,
      lists: [{ id: members.id }],
    });
  await subscriber(db(), accountId, { email: "Blocked@example.com", lists: [{ id: members.id }] });
  await db()
    .insertInto("blocklist")
    .values({ account_id: accountId, email: "blocked@EXAMPLE.com" })
    .execute();
  await subscriber(db(), accountId, { email: "stranger@example.com" });

  const create = await call(gateway.url, key, "POST", "/v1/campaigns", {
    name: "Welcome",
    template_id: tpl.public_id,
    variables: { "1": "{{first_name}}", "2": "W-{{email}}" },
    audience: { list_ids: [members.public_id], tag_ids: [vip.public_id] },
  });
  expect(create.status).toBe(201);
  const campaign = (await create.json()) as { id: string; sandbox: boolean };
  expect(campaign.sandbox).toBe(true);
  const sent = await call(gateway.url, key, "POST", `/v1/campaigns/${campaign.id}/send`, {});
  expect(sent.status).toBe(200);

  const get = async () =>
    (await (await call(gateway.url, key, "GET", `/v1/campaigns/${campaign.id}`)).json()) as {
      status: string;
      completed_at: string | null;
      stats: Record<string, number>;
    };
  const completed = await until(
    "the campaign to complete",
    async () => {
      const now = await get();
      return now.status === "completed" ? now : null;
    },
    30_000,
  );
  expect(completed.completed_at).toEqual(expect.any(String));
  expect(completed.stats.total).toBe(3);
  expect(completed.stats.queued).toBe(0);

  const messages = await db()
    .selectFrom("messages")
    .select(["subscriber_id", "address", "subject", "body", "sandbox", "conversation_id"])
    .where("account_id", "=", accountId)
    .orderBy("subscriber_id")
    .execute();
  expect(messages).toEqual([
    {
      subscriber_id: eligible[0].id,
      address: "ann@example.com",
      subject: "For Ann",
      body: "Hello Ann, your code is W-ann@example.com",
      sandbox: true,
      conversation_id: null,
    },
    {
      subscriber_id: eligible[1].id,
      address: "bob@example.com",
      subject: "For ",
      body: "Hello , your code is W-bob@example.com",
      sandbox: true,
      conversation_id: null,
    },
    {
      subscriber_id: eligible[2].id,
      address: "cy@example.com",
      subject: "For Cy",
      body: "Hello Cy, your code is W-cy@example.com",
      sandbox: true,
      conversation_id: null,
    },
  ]);

  // The sandbox moves each message on to read; the stats follow, exactly.
  const final = await until(
    "every message to be read",
    async () => {
      const now = await get();
      return now.stats.read === 3 ? now : null;
    },
    30_000,
  );
  expect(final.stats).toEqual({ total: 3, queued: 0, sent: 0, delivered: 0, read: 3, failed: 0 });

  // GraphQL reads the same stats, for many campaigns in one statement.
  const read = await gateway.graphql<{
    node: { status: string; stats: Record<string, number>; sandbox: boolean };
  }>(
    "query($id: ID!) { node(id: $id) { ... on Campaign { status sandbox stats { total queued sent delivered read failed } } } }",
    { id: encodeGlobalID("Campaign", campaign.id) },
    key,
  );
  expect(read.data?.node).toEqual({
    status: "COMPLETED",
    sandbox: true,
    stats: { total: 3, queued: 0, sent: 0, delivered: 0, read: 3, failed: 0 },
  });
}, 90_000);

it("emits campaign.status_changed on each change, to a listening webhook", async () => {
  const { id: accountId, key } = await gateway.account();
  await db()
    .insertInto("webhooks")
    .values({
      account_id: accountId,
      url: "https://93.184.215.14/hooks",
      events: ["campaign.status_changed"],
      secret: "s".repeat(32),
    } as never)
    .execute();
  const members = await list(db(), accountId, "members");
  await subscriber(db(), accountId, { email: "one@example.com", lists: [{ id: members.id }] });
  const create = await call(gateway.url, key, "POST", "/v1/campaigns", {
    name: "Events",
    subject: "s",
    body: "b",
    audience: { list_ids: [members.public_id] },
  });
  const campaign = (await create.json()) as { id: string };
  await call(gateway.url, key, "POST", `/v1/campaigns/${campaign.id}/send`);
  const { rows } = await until(
    "the completed event",
    async () => {
      const found = await sql<{
        data: { previous_status: string; campaign: { id: string; status: string } };
      }>`
        select data from webhook_events where account_id = ${accountId}
          and type = 'campaign.status_changed' order by id`.execute(db());
      return found.rows.length >= 2 ? found : null;
    },
    30_000,
  );
  expect(
    rows.map((row) => [row.data.previous_status, row.data.campaign.status, row.data.campaign.id]),
  ).toEqual([
    ["draft", "sending", campaign.id],
    ["sending", "completed", campaign.id],
  ]);
}, 60_000);

it("GraphQL: schedules, cancels back to draft with no job left; typed errors", async () => {
  const { id: accountId, key } = await gateway.account();
  const members = await list(db(), accountId, "members");
  const create = await call(gateway.url, key, "POST", "/v1/campaigns", {
    name: "Scheduled",
    subject: "s",
    body: "b",
    audience: { list_ids: [members.public_id] },
  });
  const campaign = (await create.json()) as { id: string };
  const id = encodeGlobalID("Campaign", campaign.id);
  const SEND = `mutation($input: SendCampaignInput!) { sendCampaign(input: $input) {
    __typename ... on SendCampaignPayload { campaign { status scheduledAt } }
    ... on Error { message } ... on ValidationError { issues { path } } } }`;
  const CANCEL = `mutation($input: CancelCampaignInput!) { cancelCampaign(input: $input) {
    __typename ... on CancelCampaignPayload { campaign { status scheduledAt } } ... on Error { message } } }`;

  const past = await gateway.graphql<{ sendCampaign: { __typename: string; issues: unknown } }>(
    SEND,
    { input: { id, at: "2020-01-01T00:00:00Z" } },
    key,
  );
  expect(past.data?.sendCampaign).toEqual({
    __typename: "ValidationError",
    message: expect.any(String),
    issues: [{ path: ["input", "scheduledAt"] }],
  });

  const at = new Date(Date.now() + 86_400_000).toISOString();
  const scheduled = await gateway.graphql<{ sendCampaign: unknown }>(
    SEND,
    { input: { id, at } },
    key,
  );
  expect(scheduled.data?.sendCampaign).toEqual({
    __typename: "SendCampaignPayload",
    campaign: { status: "SCHEDULED", scheduledAt: at },
  });
  expect(await fanOutJobs(db(), campaign.id)).toBe(1);
  const twice = await gateway.graphql<{ sendCampaign: { __typename: string } }>(
    SEND,
    { input: { id } },
    key,
  );
  expect(twice.data?.sendCampaign.__typename).toBe("ConflictError");

  const cancelled = await gateway.graphql<{ cancelCampaign: unknown }>(
    CANCEL,
    { input: { id } },
    key,
  );
  expect(cancelled.data?.cancelCampaign).toEqual({
    __typename: "CancelCampaignPayload",
    campaign: { status: "DRAFT", scheduledAt: null },
  });
  expect(await fanOutJobs(db(), campaign.id)).toBe(0);
  const again = await gateway.graphql<{ cancelCampaign: { __typename: string } }>(
    CANCEL,
    { input: { id } },
    key,
  );
  expect(again.data?.cancelCampaign.__typename).toBe("ConflictError");

  const readOnly = await gateway.key(accountId, ["campaigns:read"]);
  const denied = await gateway.graphql(SEND, { input: { id } }, readOnly);
  expect(denied.errors?.[0]?.message).toMatch(/not authorized|scope/i);
  const [row] = await db()
    .selectFrom("campaigns")
    .select("status")
    .where("public_id", "=", campaign.id)
    .execute();
  expect(row.status).toBe("draft");
}, 60_000);

it("GraphQL: createCampaign takes a template and variables; another account's template is NotFoundError, bad variables a ValidationError", async () => {
  const mine = await gateway.account();
  const theirs = await gateway.account();
  const tpl = await template(db(), mine.id, { channel: "sms", body: "Hi {{1}}" });
  const theirTemplate = await template(db(), theirs.id, { channel: "sms", body: "x" });
  const CREATE = `mutation($input: CreateCampaignInput!) { createCampaign(input: $input) {
    __typename ... on CreateCampaignPayload { campaign { templateId variables stats { total } } }
    ... on NotFoundError { resource } ... on ValidationError { issues { path } } } }`;
  const ok = await gateway.graphql<{ createCampaign: unknown }>(
    CREATE,
    {
      input: {
        name: "sms",
        channel: "SMS",
        templateId: encodeGlobalID("Template", tpl.public_id),
        variables: { "1": "{{first_name}}" },
      },
    },
    mine.key,
  );
  expect(ok.data?.createCampaign).toEqual({
    __typename: "CreateCampaignPayload",
    campaign: {
      templateId: encodeGlobalID("Template", tpl.public_id),
      variables: { "1": "{{first_name}}" },
      stats: { total: 0 },
    },
  });
  const foreign = await gateway.graphql<{ createCampaign: unknown }>(
    CREATE,
    {
      input: {
        name: "x",
        channel: "SMS",
        templateId: encodeGlobalID("Template", theirTemplate.public_id),
      },
    },
    mine.key,
  );
  expect(foreign.data?.createCampaign).toEqual({
    __typename: "NotFoundError",
    resource: "Template",
  });
  for (const variables of [["a"], { "1": 2 }, "text"]) {
    const bad = await gateway.graphql<{ createCampaign: { __typename: string } }>(
      CREATE,
      { input: { name: "x", variables } },
      mine.key,
    );
    expect(bad.data?.createCampaign.__typename, JSON.stringify(variables)).toBe("ValidationError");
  }
  const rows = await db()
    .selectFrom("campaigns")
    .select("name")
    .where("account_id", "=", mine.id)
    .execute();
  expect(rows).toEqual([{ name: "sms" }]);
});
