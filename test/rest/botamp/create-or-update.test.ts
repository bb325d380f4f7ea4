import { encodeGlobalID } from "@pothos/plugin-relay";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueKey, revokeKey } from "../../../src/domain/accounts/keys.js";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";
import { expectError, graphqlSubscriber, post, SINGLE, snapshot } from "./fixtures.js";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

describe("POST /api/subscribers/create_or_update", () => {
  it("creates a subscriber with every documented field; the last of duplicate keys wins", async () => {
    const { key } = await gateway.account("create");
    // The document's own example repeats job_title.
    const body = `{
      "subscriber": {
        "email": "ada@example.com",
        "name": "Ada King Lovelace",
        "job_title": "first",
        "country": "UK",
        "address": "12 St James's Square",
        "company_name": "Analytical Engines",
        "website": "https://ada.example",
        "job_title": "Mathematician",
        "postal_code": "SW1Y 4JH",
        "birthday": "1815-12-10",
        "tags": ["Math", "vip", "math"]
      }
    }`;
    const response = await post(gateway, SINGLE, body, key);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(response.body).toMatchObject({
      status: "ok",
      created: true,
      subscriber: {
        email: "ada@example.com",
        name: "Ada King Lovelace",
        job_title: "Mathematician",
        country: "UK",
        address: "12 St James's Square",
        company_name: "Analytical Engines",
        website: "https://ada.example",
        postal_code: "SW1Y 4JH",
        birthday: "1815-12-10",
        tags: ["Math", "vip"],
      },
    });

    // The same subscriber, seen through GraphQL: same public id, name split, same tags.
    const [seen] = await graphqlSubscriber(gateway, key, "ada@example.com");
    expect(seen).toMatchObject({
      id: encodeGlobalID("Subscriber", response.body.subscriber.id),
      firstName: "Ada",
      lastName: "King Lovelace",
      jobTitle: "Mathematician",
      company: "Analytical Engines",
      postalCode: "SW1Y 4JH",
      birthday: "1815-12-10",
    });
    expect(seen.tags.map((tag) => tag.name).sort()).toEqual(["Math", "vip"]);
    const tags = await gateway.graphql<{
      tags: { edges: { node: { id: string; name: string } }[] };
    }>("{ tags { edges { node { id name } } } }", {}, key);
    expect(
      tags.data?.tags.edges.map((edge) => edge.node).sort((a, b) => a.name.localeCompare(b.name)),
    ).toEqual(seen.tags.sort((a, b) => a.name.localeCompare(b.name)));
  });

  it("updates by email in any case: sent fields change, null clears, tags are added to", async () => {
    const { key, id } = await gateway.account("update");
    // A tag made in GraphQL is the one a botamp name matches, in any case.
    const made = await gateway.graphql<{ createTag: { tag: { id: string } } }>(
      'mutation { createTag(input: { name: "VIP" }) { ... on CreateTagPayload { tag { id } } } }',
      {},
      key,
    );
    const vipId = made.data?.createTag.tag.id;
    expect(vipId).toBeTruthy();
    await post(
      gateway,
      SINGLE,
      {
        subscriber: { email: "lin@example.com", name: "Lin Wu", country: "FR", tags: ["old"] },
      },
      key,
    );

    const response = await post(
      gateway,
      SINGLE,
      {
        subscriber: {
          email: "LIN@Example.com",
          name: "Lin",
          country: null,
          website: "lin.example",
          tags: ["vip"],
        },
      },
      key,
    );
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      status: "ok",
      created: false,
      subscriber: {
        email: "lin@example.com",
        name: "Lin",
        country: null,
        website: "lin.example",
        tags: ["old", "VIP"],
      },
    });
    const [seen] = await graphqlSubscriber(gateway, key, "lin@example.com");
    expect(seen).toMatchObject({ firstName: "Lin", lastName: null, country: null });
    expect(seen.tags.find((tag) => tag.name === "VIP")?.id).toBe(vipId);
    const after = await snapshot(gateway, id);
    expect(after.subscribers).toHaveLength(1);
    expect(after.tags).toBe(2);
  });

  it("writes with an account's key into that account only", async () => {
    const mine = await gateway.account("mine");
    const theirs = await gateway.account("theirs");
    await post(
      gateway,
      SINGLE,
      { subscriber: { email: "same@example.com", name: "Mine" } },
      mine.key,
    );
    const before = await snapshot(gateway, mine.id);
    const response = await post(
      gateway,
      SINGLE,
      { subscriber: { email: "same@example.com", name: "Theirs", tags: ["t"] } },
      theirs.key,
    );
    expect(response.status).toBe(200);
    expect(response.body.created).toBe(true);
    expect(await snapshot(gateway, mine.id)).toEqual(before);
    expect((await graphqlSubscriber(gateway, mine.key, "same@example.com"))[0].firstName).toBe(
      "Mine",
    );
  });

  it("answers 401 without a valid key: missing, malformed, unknown, revoked, rotated", async () => {
    const { key, id } = await gateway.account("auth");
    const body = { subscriber: { email: "x@example.com" } };
    const before = await snapshot(gateway, id);

    const missing = await post(gateway, SINGLE, body, null);
    expectError(missing, 401, "unauthorized");
    expect(missing.headers.get("www-authenticate")).toContain("Bearer");
    expectError(
      await post(gateway, SINGLE, body, null, { authorization: `Token ${key}` }),
      401,
      "unauthorized",
    );
    expectError(await post(gateway, SINGLE, body, "not-a-key"), 401, "unauthorized");
    expectError(await post(gateway, SINGLE, body, "0".repeat(40)), 401, "unauthorized");

    const extra = await issueKey(gateway.database.db, id, {});
    await revokeKey(gateway.database.db, id, extra.key.public_id);
    expectError(await post(gateway, SINGLE, body, extra.secret), 401, "unauthorized");

    // Generating a botamp key invalidates the previous one.
    const first = await issueKey(gateway.database.db, id, { label: "botamp" });
    expect((await post(gateway, SINGLE, body, first.secret)).status).toBe(200);
    const second = await issueKey(gateway.database.db, id, { label: "botamp" });
    expectError(
      await post(gateway, SINGLE, { subscriber: { email: "y@example.com" } }, first.secret),
      401,
      "unauthorized",
    );
    expect(
      (await post(gateway, SINGLE, { subscriber: { email: "z@example.com" } }, second.secret))
        .status,
    ).toBe(200);
    const after = await snapshot(gateway, id);
    expect(after.subscribers.map((row) => row.email)).toEqual([
      ...before.subscribers.map((row) => row.email),
      "x@example.com",
      "z@example.com",
    ]);
  });

  it("answers 403 to a key without subscribers:write", async () => {
    const { id } = await gateway.account("scoped");
    const readOnly = await gateway.key(id, ["subscribers:read"]);
    const response = await post(
      gateway,
      SINGLE,
      { subscriber: { email: "a@example.com" } },
      readOnly,
    );
    expectError(response, 403, "forbidden");
    expect((await snapshot(gateway, id)).subscribers).toEqual([]);
  });

  it("refuses bad input with 400 and the error in the body, writing nothing", async () => {
    const { key, id } = await gateway.account("bad");
    await post(
      gateway,
      SINGLE,
      { subscriber: { email: "kept@example.com", name: "Kept", tags: ["a"] } },
      key,
    );
    const before = await snapshot(gateway, id);
    const cases: [unknown, string, string?][] = [
      ['{"subscriber": {"email": "a@example.com",', "invalid_json"],
      ["", "invalid_json"],
      [[{ email: "a@example.com" }], "invalid_request", "body"],
      [{ email: "a@example.com" }, "invalid_request", "subscriber"],
      [{ subscriber: "a@example.com" }, "invalid_request", "subscriber"],
      [{ subscriber: { name: "No email" } }, "invalid_request", "subscriber.email"],
      [{ subscriber: { email: 42 } }, "invalid_request", "subscriber.email"],
      [{ subscriber: { email: "" } }, "invalid_request", "subscriber.email"],
      [{ subscriber: { email: "not-an-email" } }, "invalid_request", "subscriber.email"],
      [
        { subscriber: { email: "kept@example.com", name: 7 } },
        "invalid_request",
        "subscriber.name",
      ],
      [
        { subscriber: { email: "kept@example.com", tags: "a,b" } },
        "invalid_request",
        "subscriber.tags",
      ],
      [
        { subscriber: { email: "kept@example.com", tags: ["ok", 3] } },
        "invalid_request",
        "subscriber.tags[1]",
      ],
      [
        { subscriber: { email: "kept@example.com", tags: ["new", "x".repeat(101)] } },
        "invalid_request",
        "subscriber.tags[1]",
      ],
      [
        { subscriber: { email: "kept@example.com", birthday: "10/12/1815" } },
        "invalid_request",
        "subscriber.birthday",
      ],
      [
        {
          subscriber: {
            email: "kept@example.com",
            name: "Changed",
            birthday: "2023-02-29",
            tags: ["new"],
          },
        },
        "invalid_request",
        "subscriber.birthday",
      ],
      [
        { subscriber: { email: "new@example.com", country: "x".repeat(1001) } },
        "invalid_request",
        "subscriber.country",
      ],
    ];
    for (const [body, code, field] of cases) {
      const response = await post(gateway, SINGLE, body, key);
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expectError(response, 400, code, field);
    }
    const birthday = await post(
      gateway,
      SINGLE,
      { subscriber: { email: "kept@example.com", birthday: "1815-13-10" } },
      key,
    );
    expect(birthday.body.error.message).toBe(
      'subscriber.birthday "1815-13-10" is not a date (YYYY-MM-DD)',
    );
    expect(await snapshot(gateway, id)).toEqual(before);
  });

  it("answers 413 above 1 MB and 405 to other methods", async () => {
    const { key, id } = await gateway.account("limits");
    const big = { subscriber: { email: "big@example.com", address: "x".repeat(1024 * 1024) } };
    const response = await post(gateway, SINGLE, big, key);
    expectError(response, 413, "payload_too_large");
    expect((await snapshot(gateway, id)).subscribers).toEqual([]);

    const get = await fetch(`${gateway.url}${SINGLE}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect(((await get.json()) as { error: { code: string } }).error.code).toBe(
      "method_not_allowed",
    );
  });
});
