import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";

// A schema description is a promise to the client reading GraphiQL's docs: these say what an
// absent status does, and the mutations do just that.

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

async function statusDescription(type: string, key: string): Promise<string | undefined> {
  const response = await gateway.graphql<{
    __type: { inputFields: { name: string; description: string | null }[] };
  }>(
    `query($type: String!) { __type(name: $type) { inputFields { name description } } }`,
    { type },
    key,
  );
  return (
    response.data?.__type.inputFields.find((field) => field.name === "status")?.description ??
    undefined
  );
}

it("says an absent status keeps the stored one on update and upsert, and it does", async () => {
  const { key } = await gateway.account("docs");
  expect(await statusDescription("UpdateSubscriberInput", key)).toBe(
    "Absent: unchanged. It cannot be cleared.",
  );
  expect(await statusDescription("SubscriberUpsertInput", key)).toBe(
    "Absent: ACTIVE for a new subscriber; an existing one keeps its status. It cannot be cleared.",
  );
  expect(await statusDescription("CreateSubscriberInput", key)).toBe("ACTIVE when absent.");

  const created = await gateway.graphql<{
    createSubscriber: { subscriber: { id: string; status: string } };
  }>(
    `mutation { createSubscriber(input: { email: "gone@example.com", status: UNSUBSCRIBED }) {
      ... on CreateSubscriberPayload { subscriber { id status } } } }`,
    {},
    key,
  );
  const id = created.data?.createSubscriber.subscriber.id;
  const updated = await gateway.graphql<{ updateSubscriber: { subscriber: { status: string } } }>(
    `mutation($id: ID!) { updateSubscriber(input: { id: $id, firstName: "Gone" }) {
      ... on UpdateSubscriberPayload { subscriber { status } } } }`,
    { id },
    key,
  );
  expect(updated.data?.updateSubscriber.subscriber.status).toBe("UNSUBSCRIBED");
  const upserted = await gateway.graphql<{
    upsertSubscribers: { subscribers: { email: string; status: string }[] };
  }>(
    `mutation { upsertSubscribers(input: { subscribers: [
      { email: "gone@example.com", lastName: "Away" }, { email: "fresh@example.com" }] }) {
      ... on UpsertSubscribersPayload { subscribers { email status } } } }`,
    {},
    key,
  );
  expect(upserted.data?.upsertSubscribers.subscribers).toEqual([
    { email: "gone@example.com", status: "UNSUBSCRIBED" },
    { email: "fresh@example.com", status: "ACTIVE" },
  ]);
});
