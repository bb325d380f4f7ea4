import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import {
  call,
  campaignRows,
  fanOutJobs,
  list,
  subscriber,
  tag,
  template,
} from "./campaigns-fixtures.js";

// The Campaigns API over HTTP with no worker running: what each endpoint answers, the status
// machine as a client drives it (send, schedule, edit back to draft), and that every refused
// request changes nothing — no row, no job.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway?.close();
});

const db = () => gateway.database.db;
const api = (key: string, method: string, path: string, body?: unknown) =>
  call(gateway.url, key, method, path, body);

async function created(key: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await api(key, "POST", "/v1/campaigns", body);
  expect(response.status).toBe(201);
  return (await response.json()) as Record<string, unknown>;
}

async function errorOf(response: Response) {
  return (
    (await response.json()) as { error: { code: string; message: string; details?: unknown } }
  ).error;
}

describe("create, read, list, update, delete", () => {
  it("creates a draft with its audience and template, reads, replaces and deletes it", async () => {
    const { id: accountId, key } = await gateway.account();
    const vip = await list(db(), accountId, "VIP");
    const promo = await tag(db(), accountId, "promo");
    const tpl = await template(db(), accountId, {
      channel: "sms",
      body: "Hi {{1}}, code {{2}}",
    });
    const campaign = await created(key, {
      name: "Spring",
      channel: "sms",
      template_id: tpl.public_id,
      variables: { "1": "{{first_name}}", "2": "SPRING" },
      audience: { list_ids: [vip.public_id], tag_ids: [promo.public_id] },
    });
    expect(campaign).toMatchObject({
      name: "Spring",
      channel: "sms",
      status: "draft",
      template_id: tpl.public_id,
      variables: { "1": "{{first_name}}", "2": "SPRING" },
      audience: { list_ids: [vip.public_id], tag_ids: [promo.public_id] },
      sandbox: false,
      stats: { total: 0, queued: 0, sent: 0, delivered: 0, read: 0, failed: 0 },
    });

    const got = await api(key, "GET", `/v1/campaigns/${campaign.id}`);
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(campaign);

    const put = await api(key, "PUT", `/v1/campaigns/${campaign.id}`, {
      name: "Spring sale",
      template_id: null,
      body: "Hello {{first_name}}",
      audience: { tag_ids: [] },
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({
      name: "Spring sale",
      template_id: null,
      body: "Hello {{first_name}}",
      audience: { list_ids: [vip.public_id], tag_ids: [] },
      status: "draft",
    });

    const deleted = await api(key, "DELETE", `/v1/campaigns/${campaign.id}`);
    expect(deleted.status).toBe(204);
    expect(await campaignRows(db(), accountId)).toEqual([]);
    expect((await api(key, "GET", `/v1/campaigns/${campaign.id}`)).status).toBe(404);
  });

  it("lists by status and creation time, page by page", async () => {
    const { id: accountId, key } = await gateway.account();
    const names = ["a", "b", "c", "d", "e"];
    for (const name of names) await created(key, { name, body: "x" });
    await db()
      .updateTable("campaigns")
      .set({ status: "completed" })
      .where("account_id", "=", accountId)
      .where("name", "in", ["b", "d"])
      .execute();
    await db()
      .updateTable("campaigns")
      .set({ created_at: new Date("2020-01-01T00:00:00Z") })
      .where("account_id", "=", accountId)
      .where("name", "=", "a")
      .execute();

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `?limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const page = (await (await api(key, "GET", `/v1/campaigns${query}`)).json()) as {
        data: { name: string }[];
        cursor: string | null;
        total: number;
      };
      expect(page.total).toBe(5);
      seen.push(...page.data.map((c) => c.name));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual(names);

    const completed = (await (await api(key, "GET", "/v1/campaigns?status=completed")).json()) as {
      data: { name: string }[];
      total: number;
    };
    expect(completed.data.map((c) => c.name)).toEqual(["b", "d"]);
    expect(completed.total).toBe(2);

    const recent = (await (
      await api(key, "GET", "/v1/campaigns?created_after=2021-01-01T00:00:00Z&status=draft")
    ).json()) as { data: { name: string }[] };
    expect(recent.data.map((c) => c.name)).toEqual(["c", "e"]);
    const old = (await (
      await api(key, "GET", "/v1/campaigns?created_before=2021-01-01T00:00:00Z")
    ).json()) as { data: { name: string }[] };
    expect(old.data.map((c) => c.name)).toEqual(["a"]);

    const bad = await api(key, "GET", "/v1/campaigns?status=paused");
    expect(bad.status).toBe(422);
    const badDate = await api(key, "GET", "/v1/campaigns?created_after=yesterday");
    expect(badDate.status).toBe(422);
  });
});

describe("sending and scheduling", () => {
  it("sends a draft at once: sending, with its fan-out job; a second send is 409", async () => {
    const { id: accountId, key } = await gateway.account();
    const members = await list(db(), accountId, "members");
    const campaign = await created(key, {
      name: "Now",
      subject: "Hello",
      body: "Hi {{first_name}}",
      audience: { list_ids: [members.public_id] },
    });
    const sent = await api(key, "POST", `/v1/campaigns/${campaign.id}/send`);
    expect(sent.status).toBe(200);
    const body = (await sent.json()) as Record<string, unknown>;
    expect(body.status).toBe("sending");
    expect(body.started_at).toEqual(expect.any(String));
    expect(await fanOutJobs(db(), campaign.id as string)).toBe(1);

    const again = await api(key, "POST", `/v1/campaigns/${campaign.id}/send`, {});
    expect(again.status).toBe(409);
    expect((await errorOf(again)).code).toBe("conflict");
    expect(await fanOutJobs(db(), campaign.id as string)).toBe(1);

    // Sending: neither changed nor deleted.
    const before = await campaignRows(db(), accountId);
    expect((await api(key, "PUT", `/v1/campaigns/${campaign.id}`, { name: "x" })).status).toBe(409);
    const deleted = await api(key, "DELETE", `/v1/campaigns/${campaign.id}`);
    expect(deleted.status).toBe(409);
    expect((await errorOf(deleted)).code).toBe("conflict");
    expect(await campaignRows(db(), accountId)).toEqual(before);
  });

  it("schedules at a time; editing returns it to draft and removes its job", async () => {
    const { id: accountId, key } = await gateway.account();
    const members = await list(db(), accountId, "members");
    const campaign = await created(key, {
      name: "Later",
      subject: "Soon",
      body: "Hi",
      audience: { list_ids: [members.public_id] },
    });
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const scheduled = await api(key, "POST", `/v1/campaigns/${campaign.id}/send`, {
      scheduled_at: at,
    });
    expect(scheduled.status).toBe(200);
    expect(await scheduled.json()).toMatchObject({ status: "scheduled", scheduled_at: at });
    expect(await fanOutJobs(db(), campaign.id as string)).toBe(1);
    const { rows } = await sql<{ run_at: Date }>`
      select j.run_at from graphile_worker.jobs j join campaigns c on j.key = 'campaign-fan-out:' || c.id
      where c.public_id = ${campaign.id as string}`.execute(db());
    expect(rows.map((row) => row.run_at.toISOString())).toEqual([at]);

    // A scheduled campaign cannot be deleted, nor sent again.
    expect((await api(key, "DELETE", `/v1/campaigns/${campaign.id}`)).status).toBe(409);
    expect((await api(key, "POST", `/v1/campaigns/${campaign.id}/send`)).status).toBe(409);

    const edited = await api(key, "PUT", `/v1/campaigns/${campaign.id}`, { name: "Later, edited" });
    expect(edited.status).toBe(200);
    expect(await edited.json()).toMatchObject({
      status: "draft",
      name: "Later, edited",
      scheduled_at: null,
    });
    expect(await fanOutJobs(db(), campaign.id as string)).toBe(0);
  });
});

describe("bad input changes nothing", () => {
  it("refuses a schedule in the past (422 scheduled_at)", async () => {
    const { id: accountId, key } = await gateway.account();
    const members = await list(db(), accountId, "members");
    const campaign = await created(key, {
      name: "Past",
      subject: "s",
      body: "b",
      audience: { list_ids: [members.public_id] },
    });
    const before = await campaignRows(db(), accountId);
    const response = await api(key, "POST", `/v1/campaigns/${campaign.id}/send`, {
      scheduled_at: "2020-01-01T00:00:00Z",
    });
    expect(response.status).toBe(422);
    const error = await errorOf(response);
    expect(error.code).toBe("validation_error");
    expect(error.details).toEqual([{ field: "scheduled_at", message: expect.any(String) }]);
    expect(await campaignRows(db(), accountId)).toEqual(before);
    expect(await fanOutJobs(db(), campaign.id as string)).toBe(0);
  });

  it("refuses to send what cannot be sent: 422 with no body, no audience or a variable without value; 409 with an unapproved template", async () => {
    const { id: accountId, key } = await gateway.account();
    const members = await list(db(), accountId, "members");
    const audience = { list_ids: [members.public_id] };
    const pending = await template(db(), accountId, {
      channel: "whatsapp",
      body: "Hi {{1}}",
      status: "pending",
    });
    const cases: [unknown, number, string][] = [
      [{ name: "no body", subject: "s", audience }, 422, "body"],
      [{ name: "no audience", subject: "s", body: "b" }, 422, "audience.list_ids"],
      [{ name: "no subject", body: "b", audience }, 422, "subject"],
      [{ name: "whatsapp body", channel: "whatsapp", body: "b", audience }, 422, "template_id"],
      [{ name: "unknown", subject: "s", body: "Hi {{nickname}}", audience }, 422, "variables"],
      [
        {
          name: "pending",
          channel: "whatsapp",
          template_id: pending.public_id,
          variables: { "1": "x" },
          audience,
        },
        409,
        "",
      ],
    ];
    for (const [body, status, field] of cases) {
      const campaign = await created(key, body);
      const before = await campaignRows(db(), accountId);
      const response = await api(key, "POST", `/v1/campaigns/${campaign.id}/send`);
      expect(response.status, JSON.stringify(body)).toBe(status);
      const error = await errorOf(response);
      if (field)
        expect(error.details, JSON.stringify(body)).toContainEqual({
          field,
          message: expect.any(String),
        });
      else expect(error.code).toBe("conflict");
      expect(await campaignRows(db(), accountId)).toEqual(before);
      expect(await fanOutJobs(db(), campaign.id as string)).toBe(0);
    }
  });

  it("treats another account's list, tag, template and campaign as unknown (404)", async () => {
    const mine = await gateway.account();
    const theirs = await gateway.account();
    const theirList = await list(db(), theirs.id, "theirs");
    const theirTag = await tag(db(), theirs.id, "theirs");
    const theirTemplate = await template(db(), theirs.id, { channel: "sms", body: "x" });
    for (const body of [
      { name: "l", body: "x", audience: { list_ids: [theirList.public_id] } },
      { name: "t", body: "x", audience: { tag_ids: [theirTag.public_id] } },
      { name: "p", channel: "sms", template_id: theirTemplate.public_id },
    ]) {
      const response = await api(mine.key, "POST", "/v1/campaigns", body);
      expect(response.status).toBe(404);
      expect((await errorOf(response)).code).toBe("not_found");
    }
    expect(await campaignRows(db(), mine.id)).toEqual([]);

    const theirCampaign = await created(theirs.key, { name: "theirs", body: "x" });
    for (const [method, path] of [
      ["GET", `/v1/campaigns/${theirCampaign.id}`],
      ["PUT", `/v1/campaigns/${theirCampaign.id}`],
      ["DELETE", `/v1/campaigns/${theirCampaign.id}`],
      ["POST", `/v1/campaigns/${theirCampaign.id}/send`],
    ] as const) {
      const response = await api(
        mine.key,
        method,
        path,
        method === "PUT" ? { name: "x" } : undefined,
      );
      expect(response.status).toBe(404);
    }
    expect(await campaignRows(db(), theirs.id)).toMatchObject([
      { name: "theirs", status: "draft" },
    ]);
  });

  it("refuses a key without the scope (403) and a body that is not valid (422)", async () => {
    const { id: accountId } = await gateway.account();
    const readOnly = await gateway.key(accountId, ["campaigns:read"]);
    const denied = await api(readOnly, "POST", "/v1/campaigns", { name: "x", body: "b" });
    expect(denied.status).toBe(403);
    expect((await api(readOnly, "GET", "/v1/campaigns")).status).toBe(200);
    const none = await gateway.key(accountId, ["subscribers:read"]);
    expect((await api(none, "GET", "/v1/campaigns")).status).toBe(403);

    const full = await gateway.key(accountId, ["campaigns:write", "campaigns:read"]);
    for (const body of [
      { body: "no name" },
      { name: "", body: "x" },
      { name: "x", channel: "fax" },
      { name: "x", variables: { "1": 2 } },
      { name: "x", variables: { "no spaces please": "x" } },
      { name: "x", audience: { list_ids: "abc" } },
      { name: "nul\u0000", body: "x" },
      { name: "x", audience: { list_ids: ["a\u0000"] } },
      { name: "x", variables: { "1": "\ud800" } },
    ]) {
      const response = await api(full, "POST", "/v1/campaigns", body);
      expect(response.status, JSON.stringify(body)).toBe(422);
    }
    const campaign = await created(full, { name: "x", subject: "s", body: "b" });
    const badSend = await api(full, "POST", `/v1/campaigns/${campaign.id}/send`, {
      scheduled_at: "tomorrow",
    });
    expect(badSend.status).toBe(422);
    expect(await campaignRows(db(), accountId)).toMatchObject([{ status: "draft" }]);
  });
});

it("a subscriber row is reachable by the fixtures (sanity of the seed helpers)", async () => {
  const { id: accountId } = await gateway.account();
  const l = await list(db(), accountId, "l");
  const row = await subscriber(db(), accountId, { email: "a@example.com", lists: [{ id: l.id }] });
  expect(row.public_id).toMatch(/^[0-9a-f]{32}$/);
});

it("shows the six Campaigns endpoints in /openapi.json, with their bodies", async () => {
  const document = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { requestBody?: unknown }>>;
  };
  expect(Object.keys(document.paths["/v1/campaigns"]).sort()).toEqual(["get", "post"]);
  expect(Object.keys(document.paths["/v1/campaigns/{id}"]).sort()).toEqual([
    "delete",
    "get",
    "put",
  ]);
  expect(Object.keys(document.paths["/v1/campaigns/{id}/send"])).toEqual(["post"]);
  expect(document.paths["/v1/campaigns"].post.requestBody).toBeDefined();
  expect(document.paths["/v1/campaigns/{id}/send"].post.requestBody).toBeDefined();
});
