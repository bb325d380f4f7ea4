import type { Runner } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";
import { startTestWorker, uploadOk, waitForImport } from "../imports/fixtures.js";
import { graphqlList, mailtrain } from "../rest/mailtrain/client.js";

// Time zones are IANA names on every surface that takes one (botamp's and audience's bodies have
// no time zone): any case, stored as IANA spells it, an alias as the zone it names; anything
// else refused in the surface's own format, changing nothing.

let gateway: TestGateway;
let worker: Runner;
let key: string;
let accountId: string;
beforeAll(async () => {
  gateway = await startTestGateway();
  worker = await startTestWorker(gateway);
  ({ key, id: accountId } = await gateway.account("zones"));
});
afterAll(async () => {
  await worker?.stop();
  await gateway?.close();
});

const REFUSED = "is not an IANA time zone name (such as Europe/Paris or UTC)";

async function storedZone(email: string): Promise<string | null | undefined> {
  const row = await gateway.database.db
    .selectFrom("subscribers")
    .select("timezone")
    .where("account_id", "=", accountId)
    .where("email", "=", email)
    .executeTakeFirst();
  return row === undefined ? undefined : row.timezone;
}

describe("GraphQL", () => {
  const CREATE = `mutation($input: CreateSubscriberInput!) { createSubscriber(input: $input) {
    __typename
    ... on CreateSubscriberPayload { subscriber { id timezone } }
    ... on ValidationError { issues { path message } } } }`;

  it("stores IANA's spelling of a name in any case, and an alias as its zone", async () => {
    for (const [sent, stored] of [
      ["europe/paris", "Europe/Paris"],
      ["Etc/UTC", "UTC"],
      ["utc", "UTC"],
      ["US/Eastern", "America/New_York"],
    ]) {
      const email = `${sent.replace(/\W/g, "")}@example.com`;
      const response = await gateway.graphql(CREATE, { input: { email, timezone: sent } }, key);
      expect(response.data?.createSubscriber).toMatchObject({ subscriber: { timezone: stored } });
    }
  });

  it("refuses anything else on create, update and upsert, changing nothing", async () => {
    const refused = await gateway.graphql(
      CREATE,
      { input: { email: "mars@example.com", timezone: "Mars/Olympus" } },
      key,
    );
    expect(refused.data?.createSubscriber).toEqual({
      __typename: "ValidationError",
      issues: [{ path: ["input", "timezone"], message: `"Mars/Olympus" ${REFUSED}` }],
    });
    expect(await storedZone("mars@example.com")).toBeUndefined();

    const created = await gateway.graphql<{
      createSubscriber: { subscriber: { id: string } };
    }>(CREATE, { input: { email: "kept@example.com", timezone: "Asia/Tokyo" } }, key);
    const id = created.data?.createSubscriber.subscriber.id;
    for (const timezone of ["PST", "+01:00", "Europe/Paris/Nowhere"]) {
      const update = await gateway.graphql(
        `mutation($input: UpdateSubscriberInput!) { updateSubscriber(input: $input) {
          __typename ... on ValidationError { issues { path message } } } }`,
        { input: { id, timezone } },
        key,
      );
      expect(update.data?.updateSubscriber).toEqual({
        __typename: "ValidationError",
        issues: [{ path: ["input", "timezone"], message: `"${timezone}" ${REFUSED}` }],
      });
    }
    const upsert = await gateway.graphql(
      `mutation($input: UpsertSubscribersInput!) { upsertSubscribers(input: $input) {
        __typename ... on ValidationError { issues { path message } } } }`,
      {
        input: {
          subscribers: [
            { email: "kept@example.com", timezone: "Europe/Berlin" },
            { email: "new@example.com", timezone: "Atlantis" },
          ],
        },
      },
      key,
    );
    expect(upsert.data?.upsertSubscribers).toEqual({
      __typename: "ValidationError",
      issues: [
        { path: ["input", "subscribers", "1", "timezone"], message: `"Atlantis" ${REFUSED}` },
      ],
    });
    expect(await storedZone("kept@example.com")).toBe("Asia/Tokyo");
    expect(await storedZone("new@example.com")).toBeUndefined();
  });
});

describe("CSV import", () => {
  it("reports a row with a bad time zone and stores the others in IANA's spelling", async () => {
    const started = await uploadOk(
      gateway,
      key,
      "email,timezone\ncsv1@example.com,america/sao_paulo\ncsv2@example.com,Moon/Base\ncsv3@example.com,\n",
    );
    const done = await waitForImport(gateway, key, started.id);
    expect(done).toMatchObject({ status: "COMPLETED", created: 2, invalid: 1 });
    const errors = await gateway.graphql<{
      node: { errors: { edges: { node: { row: number; message: string } }[] } };
    }>(
      `query($id: ID!) { node(id: $id) { ... on Import { errors { edges { node { row message } } } } } }`,
      { id: started.id },
      key,
    );
    expect(errors.data?.node.errors.edges.map((edge) => edge.node)).toEqual([
      { row: 2, message: `timezone: "Moon/Base" ${REFUSED}` },
    ]);
    expect(await storedZone("csv1@example.com")).toBe("America/Sao_Paulo");
    expect(await storedZone("csv2@example.com")).toBeUndefined();
    expect(await storedZone("csv3@example.com")).toBeNull();
  });
});

describe("mailtrain", () => {
  it("answers 400 in its envelope for a bad TIMEZONE, with or without confirmation", async () => {
    const { cid } = await graphqlList(gateway, key, "Zones");
    const api = mailtrain(gateway, key);
    for (const extra of [{}, { REQUIRE_CONFIRMATION: "yes" }]) {
      const reply = await api.post(`/api/subscribe/${cid}`, {
        EMAIL: "tz@example.com",
        TIMEZONE: "Europe/Nowhere",
        ...extra,
      });
      expect(reply).toMatchObject({
        status: 400,
        body: { error: `TIMEZONE "Europe/Nowhere" ${REFUSED}`, data: [] },
      });
    }
    expect(await storedZone("tz@example.com")).toBeUndefined();
    const pending = await gateway.database.db
      .selectFrom("subscription_confirmations")
      .select("id")
      .where("email", "=", "tz@example.com")
      .execute();
    expect(pending).toEqual([]);

    const ok = await api.post(`/api/subscribe/${cid}`, {
      EMAIL: "tz@example.com",
      TIMEZONE: "EUROPE/TALLINN",
    });
    expect(ok.status).toBe(200);
    expect(await storedZone("tz@example.com")).toBe("Europe/Tallinn");
    const listed = await api.get(`/api/subscriptions/${cid}`);
    expect(listed.body.data.subscriptions[0]).toMatchObject({
      email: "tz@example.com",
      tz: "europe/tallinn",
    });
  });
});
