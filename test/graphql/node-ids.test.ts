import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";

// node(id:) and nodes(ids:) with ids that cannot be ours answer BAD_USER_INPUT, like every other
// GraphQL error of this API carries a code; a well-formed id nobody has is still just null.

let gateway: TestGateway;
let key: string;
let listId: string;

const b64 = (text: string) => Buffer.from(text).toString("base64");
const HEX = "0123456789abcdef0123456789abcdef";

beforeAll(async () => {
  gateway = await startTestGateway();
  key = (await gateway.account()).key;
  const created = await gateway.graphql<{ createList: { list: { id: string } } }>(
    'mutation { createList(input: { name: "ids" }) { ... on CreateListPayload { list { id } } } }',
    {},
    key,
  );
  listId = created.data?.createList.list.id as string;
});
afterAll(() => gateway.close());

const BAD_IDS: [string, string][] = [
  ["not base64 at all", "garbage"],
  ["base64 with no type", b64("nothing-here")],
  ["a type that does not exist", b64(`Planet:${HEX}`)],
  ["a type that has no ids", b64(`ValidationError:${HEX}`)],
  ["an interface", b64(`Node:${HEX}`)],
  ["a known type with an id we never issue", b64("List:42")],
];

describe("node(id:) and nodes(ids:) with ids that cannot exist", () => {
  it.each(BAD_IDS)("node: %s is BAD_USER_INPUT", async (_what, id) => {
    const response = await gateway.graphql("query($id: ID!) { node(id: $id) { id } }", { id }, key);
    expect(response.errors?.map((error) => error.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ node: null });
  });

  it.each(BAD_IDS)("nodes: %s among good ids is BAD_USER_INPUT", async (_what, id) => {
    const response = await gateway.graphql(
      "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
      { ids: [listId, id] },
      key,
    );
    expect(response.errors?.map((error) => error.extensions?.code)).toEqual(["BAD_USER_INPUT"]);
    expect(response.status).toBe(400);
  });

  it("still answers null for a well-formed id nobody has, and the node for a real one", async () => {
    const response = await gateway.graphql(
      "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
      { ids: [b64(`List:${HEX}`), listId] },
      key,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ nodes: [null, { id: listId }] });
  });
});
