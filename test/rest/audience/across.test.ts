import { encodeGlobalID } from "@pothos/plugin-relay";
import type { Runner } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createField, ok } from "../../graphql/subscribers-fixtures.js";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { startTestWorker, waitForImport } from "../../imports/fixtures.js";
import { mailtrain } from "../mailtrain/client.js";
import { audienceClient, publicId } from "./helpers.js";

// One data model under every surface: tags botamp makes by name are the tags audience lists and
// applies by id; a subscriber botamp made is the one an audience batch updates and GraphQL shows.

let gateway: TestGateway;
let worker: Runner;
let client: ReturnType<typeof audienceClient>;
beforeAll(async () => {
  gateway = await startTestGateway();
  worker = await startTestWorker(gateway);
  client = audienceClient(gateway);
});
afterAll(async () => {
  await worker.stop();
  await gateway.close();
});

async function botampUpsert(key: string, subscriber: Record<string, unknown>) {
  const response = await fetch(`${gateway.url}/api/subscribers/create_or_update`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ subscriber }),
  });
  expect(response.status, await response.clone().text()).toBe(200);
}

describe("audience across surfaces", () => {
  it("lists the tags botamp made by name and applies them by id to a botamp subscriber", async () => {
    const { sid, key } = await gateway.account("across");
    await botampUpsert(key, { email: "ada@example.com", name: "Ada Lovelace", tags: ["VIP"] });
    await botampUpsert(key, { email: "bob@example.com", tags: ["newsletter"] });

    const tags = await client.get(sid, "tag", key);
    expect(tags.status).toBe(200);
    expect(tags.body).toMatchObject({ total: 2, status: true, statuscode: 200 });
    const byName = Object.fromEntries(
      tags.body.data.map((tag: { name: string; tag_id: string }) => [tag.name, tag.tag_id]),
    );
    expect(Object.keys(byName).sort()).toEqual(["VIP", "newsletter"]);

    const list = await ok<{ list: { id: string } }>(
      gateway,
      key,
      "createList",
      { name: "Launch" },
      "list { id }",
    );
    await createField(gateway, key, { name: "city", type: "STRING" });
    const lists = await client.get(sid, "list", key);
    expect(lists.body.data.map((l: { list_id: string }) => l.list_id)).toEqual([
      publicId(list.list.id),
    ]);

    const answer = await client.post(sid, key, {
      update_subscribers: true,
      list_id: lists.body.data[0].list_id,
      tags: [byName.newsletter],
      data: [{ email: "ADA@example.com", last_name: "King", custom_fields: { city: "London" } }],
    });
    expect(answer.body.data).toMatchObject({ total_valid: 1, total_invalid: 0 });
    const importId = encodeGlobalID("Import", answer.headers.get("x-import-id") as string);
    expect(await waitForImport(gateway, key, importId)).toMatchObject({
      status: "COMPLETED",
      created: 0,
      updated: 1,
    });

    const response = await gateway.graphql<{
      subscribers: {
        totalCount: number;
        edges: {
          node: {
            email: string;
            firstName: string;
            lastName: string;
            tags: { id: string; name: string }[];
            subscriptions: { list: { id: string } }[];
            customValues: { text?: string }[];
          };
        }[];
      };
    }>(
      `{ subscribers(filter: { search: "ada" }) { totalCount edges { node {
          email firstName lastName tags { id name } subscriptions { list { id } }
          customValues { ... on StringCustomValue { text: value } } } } } }`,
      {},
      key,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.subscribers.totalCount).toBe(1);
    const ada = response.data?.subscribers.edges[0].node;
    expect(ada).toMatchObject({ email: "ada@example.com", firstName: "Ada", lastName: "King" });
    expect(ada?.tags.map((tag) => [publicId(tag.id), tag.name])).toEqual([
      [byName.VIP, "VIP"],
      [byName.newsletter, "newsletter"],
    ]);
    expect(ada?.subscriptions).toEqual([{ list: { id: list.list.id } }]);
    expect(ada?.customValues).toEqual([{ text: "London" }]);
  });

  it("lists a field made through mailtrain on a list made through GraphQL", async () => {
    const { sid, key } = await gateway.account("across-mailtrain");
    const list = await ok<{ list: { id: string } }>(
      gateway,
      key,
      "createList",
      { name: "Newsletter" },
      "list { id }",
    );
    const cid = publicId(list.list.id);
    const made = await mailtrain(gateway, key).post(`/api/field/${cid}`, {
      NAME: "Shoe size",
      TYPE: "dropdown",
    });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const option = await mailtrain(gateway, key).post(`/api/field/${cid}`, {
      NAME: "Large",
      TYPE: "option",
      GROUP: String((made.body as { data: { id: number } }).data.id),
    });
    expect(option.status, JSON.stringify(option.body)).toBe(200);

    const fields = await client.get(sid, "custom-field", key);
    expect(fields.status).toBe(200);
    const names = fields.body.data.map((field: { name: string; type: string }) => [
      field.name,
      field.type,
    ]);
    expect(names).toContainEqual(["Shoe size", "dropdown"]);
    const lists = await client.get(sid, "list", key);
    expect(lists.body.data).toEqual([
      expect.objectContaining({ name: "Newsletter", list_id: cid }),
    ]);
  });
});
