import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";
import { createSubscriber, createTag, mutate, ok, snapshot } from "./subscribers-fixtures.js";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

interface TagShape {
  id: string;
  name: string;
  status: string;
}

const TAG = "tag { id name status createdAt updatedAt }";

async function tagNames(key: string, filter?: Record<string, unknown>) {
  const response = await gateway.graphql<{
    tags: { totalCount: number; edges: { node: TagShape }[] };
  }>(
    "query($filter: TagFilter) { tags(filter: $filter) { totalCount edges { node { name status } } } }",
    { filter },
    key,
  );
  expect(response.errors).toBeUndefined();
  const tags = response.data?.tags;
  expect(tags?.totalCount).toBe(tags?.edges.length);
  return tags?.edges.map((edge) => edge.node.name);
}

async function tagsOf(key: string, subscriberId: string) {
  const response = await gateway.graphql<{ node: { tags: { name: string }[] } }>(
    "query($id: ID!) { node(id: $id) { ... on Subscriber { tags { name } } } }",
    { id: subscriberId },
    key,
  );
  expect(response.errors).toBeUndefined();
  return response.data?.node.tags.map((tag) => tag.name);
}

describe("tags", () => {
  it("creates, renames, deactivates and deletes a tag", async () => {
    const { key } = await gateway.account("crud");
    const created = await ok<{ tag: TagShape }>(gateway, key, "createTag", { name: " VIP " }, TAG);
    expect(created.tag).toMatchObject({ name: "VIP", status: "ACTIVE" });

    const updated = await ok<{ tag: TagShape }>(
      gateway,
      key,
      "updateTag",
      { id: created.tag.id, name: "Gold", status: "INACTIVE" },
      TAG,
    );
    expect(updated.tag).toMatchObject({ id: created.tag.id, name: "Gold", status: "INACTIVE" });
    const statusOnly = await ok<{ tag: TagShape }>(
      gateway,
      key,
      "updateTag",
      { id: created.tag.id, status: "ACTIVE" },
      TAG,
    );
    expect(statusOnly.tag).toMatchObject({ name: "Gold", status: "ACTIVE" });

    const deleted = await ok<{ deletedId: string }>(
      gateway,
      key,
      "deleteTag",
      { id: created.tag.id },
      "deletedId",
    );
    expect(deleted.deletedId).toBe(created.tag.id);
    expect(await tagNames(key)).toEqual([]);
  });

  it("filters tags by status and by part of the name", async () => {
    const { key } = await gateway.account("filter");
    await createTag(gateway, key, "Customer");
    const old = await createTag(gateway, key, "Old customer");
    await createTag(gateway, key, "100% fan");
    await ok(gateway, key, "updateTag", { id: old.id, status: "INACTIVE" }, "__typename");
    expect(await tagNames(key)).toEqual(["Customer", "Old customer", "100% fan"]);
    expect(await tagNames(key, { status: "ACTIVE" })).toEqual(["Customer", "100% fan"]);
    expect(await tagNames(key, { status: "INACTIVE" })).toEqual(["Old customer"]);
    expect(await tagNames(key, { search: "CUSTOMER" })).toEqual(["Customer", "Old customer"]);
    expect(await tagNames(key, { search: "%" })).toEqual(["100% fan"]);
    expect(await tagNames(key, { search: "customer", status: "ACTIVE" })).toEqual(["Customer"]);
  });

  it("refuses a name taken in any case with ConflictError, and an empty name", async () => {
    const { key, id } = await gateway.account("names");
    await createTag(gateway, key, "Lead");
    const other = await createTag(gateway, key, "Prospect");
    const before = await snapshot(gateway, id);

    const duplicate = await mutate(gateway, key, "createTag", { name: "LEAD" }, TAG);
    expect(duplicate.__typename).toBe("ConflictError");
    const rename = await mutate(gateway, key, "updateTag", { id: other.id, name: "lead" }, TAG);
    expect(rename.__typename).toBe("ConflictError");
    const empty = await mutate(gateway, key, "createTag", { name: "  " }, TAG);
    expect(empty.issues).toEqual([{ path: ["input", "name"], message: "is required" }]);
    const cleared = await mutate(gateway, key, "updateTag", { id: other.id, status: null }, TAG);
    expect(cleared.issues?.[0].path).toEqual(["input", "status"]);
    expect(await snapshot(gateway, id)).toEqual(before);
  });
});

describe("tagging subscribers", () => {
  it("tags and untags, idempotently, and shows tags by name", async () => {
    const { key } = await gateway.account("tagging");
    const subscriber = await createSubscriber(gateway, key, { email: "t@example.com" });
    const [zeta, alpha, beta] = await Promise.all(
      ["Zeta", "Alpha", "Beta"].map((name) => createTag(gateway, key, name)),
    );
    const tagged = await ok<{ subscriber: { tags: { name: string }[] } }>(
      gateway,
      key,
      "tagSubscriber",
      { subscriberId: subscriber.id, tagIds: [zeta.id, alpha.id, zeta.id] },
      "subscriber { tags { name } }",
    );
    expect(tagged.subscriber.tags.map((tag) => tag.name)).toEqual(["Alpha", "Zeta"]);

    await ok(
      gateway,
      key,
      "tagSubscriber",
      { subscriberId: subscriber.id, tagIds: [alpha.id, beta.id] },
      "__typename",
    );
    expect(await tagsOf(key, subscriber.id)).toEqual(["Alpha", "Beta", "Zeta"]);

    await ok(
      gateway,
      key,
      "untagSubscriber",
      { subscriberId: subscriber.id, tagIds: [zeta.id] },
      "__typename",
    );
    await ok(
      gateway,
      key,
      "untagSubscriber",
      { subscriberId: subscriber.id, tagIds: [zeta.id] },
      "__typename",
    );
    expect(await tagsOf(key, subscriber.id)).toEqual(["Alpha", "Beta"]);

    // Deleting a tag takes it off its subscribers.
    await ok(gateway, key, "deleteTag", { id: alpha.id }, "__typename");
    expect(await tagsOf(key, subscriber.id)).toEqual(["Beta"]);
  });

  it("shows each subscriber of a page its own tags", async () => {
    const { key } = await gateway.account("page-tags");
    const red = await createTag(gateway, key, "Red");
    const blue = await createTag(gateway, key, "Blue");
    const people = [];
    for (const email of ["a@example.com", "b@example.com", "c@example.com"])
      people.push(await createSubscriber(gateway, key, { email }));
    await ok(
      gateway,
      key,
      "tagSubscriber",
      { subscriberId: people[0].id, tagIds: [red.id] },
      "__typename",
    );
    await ok(
      gateway,
      key,
      "tagSubscriber",
      { subscriberId: people[2].id, tagIds: [red.id, blue.id] },
      "__typename",
    );
    const response = await gateway.graphql<{
      subscribers: { edges: { node: { email: string; tags: { name: string }[] } }[] };
    }>("{ subscribers { edges { node { email tags { name } } } } }", {}, key);
    expect(
      response.data?.subscribers.edges.map(({ node }) => [
        node.email,
        node.tags.map((t) => t.name),
      ]),
    ).toEqual([
      ["a@example.com", ["Red"]],
      ["b@example.com", []],
      ["c@example.com", ["Blue", "Red"]],
    ]);
  });

  it("answers NotFoundError for another account's tag or subscriber and changes nothing", async () => {
    const owner = await gateway.account("tag-owner");
    const stranger = await gateway.account("tag-stranger");
    const theirs = await createTag(gateway, owner.key, "Theirs");
    const theirSubscriber = await createSubscriber(gateway, owner.key, { email: "o@example.com" });
    const mine = await createTag(gateway, stranger.key, "Mine");
    const myself = await createSubscriber(gateway, stranger.key, { email: "s@example.com" });
    const before = [await snapshot(gateway, owner.id), await snapshot(gateway, stranger.id)];

    const foreignTag = await mutate(
      gateway,
      stranger.key,
      "tagSubscriber",
      { subscriberId: myself.id, tagIds: [mine.id, theirs.id] },
      "__typename",
    );
    expect(foreignTag).toMatchObject({ __typename: "NotFoundError", resource: "Tag" });
    const foreignSubscriber = await mutate(
      gateway,
      stranger.key,
      "tagSubscriber",
      { subscriberId: theirSubscriber.id, tagIds: [mine.id] },
      "__typename",
    );
    expect(foreignSubscriber).toMatchObject({
      __typename: "NotFoundError",
      resource: "Subscriber",
    });
    for (const [name, input] of [
      ["updateTag", { id: theirs.id, name: "Stolen" }],
      ["deleteTag", { id: theirs.id }],
      ["untagSubscriber", { subscriberId: myself.id, tagIds: [theirs.id] }],
    ] as const) {
      const result = await mutate(gateway, stranger.key, name, input, "__typename");
      expect(result.__typename, name).toBe("NotFoundError");
    }
    const empty = await mutate(
      gateway,
      stranger.key,
      "tagSubscriber",
      { subscriberId: myself.id, tagIds: [] },
      "__typename",
    );
    expect(empty.issues?.[0].path).toEqual(["input", "tagIds"]);
    expect([await snapshot(gateway, owner.id), await snapshot(gateway, stranger.id)]).toEqual(
      before,
    );
  });

  it("needs tags:write to change tags and subscribers:write to tag a subscriber", async () => {
    const { id, key } = await gateway.account("tag-scopes");
    const tag = await createTag(gateway, key, "Scoped");
    const subscriber = await createSubscriber(gateway, key, { email: "scoped@example.com" });
    const tagsOnly = await gateway.key(id, ["tags:write"]);
    const subscribersOnly = await gateway.key(id, ["subscribers:write"]);
    const readTags = await gateway.key(id, ["tags:read"]);
    const before = await snapshot(gateway, id);

    const call = (key: string, name: string, input: Record<string, unknown>) =>
      gateway.graphql(
        `mutation($input: ${name[0].toUpperCase()}${name.slice(1)}Input!) { ${name}(input: $input) { __typename } }`,
        { input },
        key,
      );
    for (const [key, name, input] of [
      [subscribersOnly, "createTag", { name: "New" }],
      [readTags, "updateTag", { id: tag.id, name: "Renamed" }],
      [subscribersOnly, "deleteTag", { id: tag.id }],
      [tagsOnly, "tagSubscriber", { subscriberId: subscriber.id, tagIds: [tag.id] }],
      [tagsOnly, "untagSubscriber", { subscriberId: subscriber.id, tagIds: [tag.id] }],
    ] as const) {
      const response = await call(key, name, input);
      expect(response.errors?.[0].extensions?.code, name).toBe("FORBIDDEN");
    }
    const list = await gateway.graphql("{ tags { totalCount } }", {}, subscribersOnly);
    expect(list.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    expect(await snapshot(gateway, id)).toEqual(before);

    const allowed = await call(subscribersOnly, "tagSubscriber", {
      subscriberId: subscriber.id,
      tagIds: [tag.id],
    });
    expect(allowed.errors).toBeUndefined();
  });
});
