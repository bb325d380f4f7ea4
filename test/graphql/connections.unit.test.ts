import { type GraphQLField, GraphQLObjectType, getNamedType, isObjectType } from "graphql";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  keysetConnection,
} from "../../src/graphql/pagination.js";
import { schema } from "../../src/graphql/schema.js";

// Every connection is declared through scopedConnection: one scope, asked of the field, its
// connection type, its edge type and totalCount. And the cursors a client pages with. No database.

type Extensions = { pothosOptions?: { authScopes?: unknown } };
const scopesOf = (thing: { extensions?: unknown }) =>
  (thing.extensions as Extensions | undefined)?.pothosOptions?.authScopes;

function connectionFields(): { where: string; field: GraphQLField<unknown, unknown> }[] {
  const found: { where: string; field: GraphQLField<unknown, unknown> }[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) {
      const named = getNamedType(field.type);
      if (isObjectType(named) && "edges" in named.getFields() && "pageInfo" in named.getFields())
        found.push({ where: `${type.name}.${field.name}`, field });
    }
  }
  return found;
}

describe("connections", () => {
  it("are all there: every list the schema pages through", () => {
    expect(
      connectionFields()
        .map(({ where }) => where)
        .sort(),
    ).toEqual([
      "Conversation.messages",
      "Import.errors",
      "List.subscribers",
      "Query.agents",
      "Query.blocklist",
      "Query.campaigns",
      "Query.conversations",
      "Query.customFields",
      "Query.imports",
      "Query.lists",
      "Query.messages",
      "Query.subscribers",
      "Query.tags",
      "Query.templates",
      "Query.webhooks",
      "Webhook.deliveries",
    ]);
  });

  it("ask one scope of the field, the connection, its edges and totalCount", () => {
    for (const { where, field } of connectionFields()) {
      const scopes = scopesOf(field);
      expect(scopes, where).toEqual({ scope: expect.stringMatching(/^[a-z]+:read$/) });
      const connection = getNamedType(field.type) as GraphQLObjectType;
      const fields = connection.getFields();
      const edge = getNamedType(fields.edges.type) as GraphQLObjectType;
      expect(scopesOf(connection), `${where} connection`).toEqual(scopes);
      expect(scopesOf(edge), `${where} edge`).toEqual(scopes);
      expect(scopesOf(fields.totalCount), `${where} totalCount`).toEqual(scopes);
      expect(edge).toBeInstanceOf(GraphQLObjectType);
    }
  });

  it("ask the scope of what they list", () => {
    const scopes = Object.fromEntries(
      connectionFields().map(({ where, field }) => [where, scopesOf(field)]),
    );
    expect(scopes).toEqual({
      "Conversation.messages": { scope: "messages:read" },
      "Import.errors": { scope: "imports:read" },
      "List.subscribers": { scope: "subscribers:read" },
      "Query.agents": { scope: "conversations:read" },
      "Query.blocklist": { scope: "blocklist:read" },
      "Query.campaigns": { scope: "campaigns:read" },
      "Query.conversations": { scope: "conversations:read" },
      "Query.customFields": { scope: "fields:read" },
      "Query.imports": { scope: "imports:read" },
      "Query.lists": { scope: "lists:read" },
      "Query.messages": { scope: "messages:read" },
      "Query.subscribers": { scope: "subscribers:read" },
      "Query.tags": { scope: "tags:read" },
      "Query.templates": { scope: "templates:read" },
      "Query.webhooks": { scope: "webhooks:read" },
      "Webhook.deliveries": { scope: "webhooks:read" },
    });
  });
});

describe("cursors", () => {
  it("are opaque and decode back to the row's id", () => {
    const cursor = encodeCursor("12345");
    expect(cursor).not.toContain("12345");
    expect(decodeCursor(cursor)).toBe("12345");
    expect(decodeCursor(encodeCursor("9223372036854775807"))).toBe("9223372036854775807");
  });

  it("refuse a cursor this API did not issue, as the client's mistake", () => {
    const notOurs = [
      "",
      "garbage",
      Buffer.from("12345").toString("base64url"),
      Buffer.from("k:").toString("base64url"),
      Buffer.from("k:-1").toString("base64url"),
      Buffer.from("k:1 or 1=1").toString("base64url"),
      Buffer.from(`k:${"9".repeat(20)}`).toString("base64url"),
    ];
    for (const cursor of notOurs) {
      expect(() => decodeCursor(cursor), cursor).toThrow(
        `"${cursor}" is not a cursor this API issued`,
      );
      try {
        decodeCursor(cursor);
      } catch (error) {
        expect((error as { extensions: { code: string } }).extensions.code).toBe("BAD_USER_INPUT");
      }
    }
  });
});

describe("keysetConnection", () => {
  const rows = (count: number) => Array.from({ length: count }, (_, i) => ({ id: String(i + 1) }));

  it("asks one row more than the page, and says whether there is a next page", async () => {
    const asked: unknown[] = [];
    const connection = await keysetConnection(
      { first: 2 },
      async (page) => {
        asked.push(page);
        return rows(page.limit);
      },
      async () => 7,
    );
    expect(asked).toEqual([{ afterId: undefined, beforeId: undefined, limit: 3, backward: false }]);
    expect(connection.edges.map((edge) => edge?.node.id)).toEqual(["1", "2"]);
    expect(connection.pageInfo.hasNextPage).toBe(true);
    expect(await connection.totalCount()).toBe(7);
  });

  it("pages after a cursor and uses the default page size", async () => {
    const asked: { afterId?: string; limit: number }[] = [];
    await keysetConnection(
      { after: encodeCursor("40") },
      async (page) => {
        asked.push(page);
        return [];
      },
      async () => 0,
    );
    expect(asked[0]).toMatchObject({ afterId: "40", limit: DEFAULT_PAGE_SIZE + 1 });
  });

  it("counts only when totalCount is asked for", async () => {
    let counted = 0;
    await keysetConnection(
      { first: 1 },
      async () => rows(1),
      async () => ++counted,
    );
    expect(counted).toBe(0);
  });

  it("refuses a negative or too large page before fetching anything", async () => {
    const fetch = async () => {
      throw new Error("fetched");
    };
    await expect(keysetConnection({ first: -1 }, fetch, async () => 0)).rejects.toThrow(
      '"first" must not be negative',
    );
    await expect(keysetConnection({ last: 101 }, fetch, async () => 0)).rejects.toThrow(
      '"last" may be at most 100; page through with cursors',
    );
    await expect(keysetConnection({ before: "nope" }, fetch, async () => 0)).rejects.toThrow(
      '"nope" is not a cursor this API issued',
    );
  });
});
