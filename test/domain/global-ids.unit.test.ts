import { describe, expect, it } from "vitest";
import { decodeGlobalId, decodeGlobalIdOf, globalIdOf } from "../../src/global-ids.js";

// Global ids are what GraphQL shows and the CLI prints: base64 of `Type:<32 hex public id>`.

const PUBLIC_ID = "0123456789abcdef0123456789abcdef";
const base64 = (text: string) => Buffer.from(text).toString("base64");

describe("global ids", () => {
  it("encode a type and a public id as base64 of Type:id", () => {
    const id = globalIdOf("List", PUBLIC_ID);
    expect(id).toBe(base64(`List:${PUBLIC_ID}`));
    expect(Buffer.from(id, "base64").toString()).toBe(`List:${PUBLIC_ID}`);
  });

  it("decode back to the same type and public id", () => {
    for (const typename of ["List", "Subscriber", "CustomField", "BlocklistEntry"])
      expect(decodeGlobalId(globalIdOf(typename, PUBLIC_ID))).toEqual({
        typename,
        id: PUBLIC_ID,
      });
  });

  it("decode to the public id only for the type asked", () => {
    const id = globalIdOf("Tag", PUBLIC_ID);
    expect(decodeGlobalIdOf(id, "Tag")).toBe(PUBLIC_ID);
    expect(decodeGlobalIdOf(id, "List")).toBeNull();
    expect(decodeGlobalIdOf(id, "tag")).toBeNull();
  });

  it("are null for anything this API did not issue", () => {
    for (const bad of [
      "",
      "not base64 !",
      base64("List"),
      base64("List:"),
      base64(`List:${PUBLIC_ID.toUpperCase()}`),
      base64(`List:${PUBLIC_ID}0`),
      base64(`List:${PUBLIC_ID.slice(1)}`),
      base64("List:123"),
      base64(`List: ${PUBLIC_ID}`),
      base64(`List:${PUBLIC_ID.slice(0, 31)}g`),
      PUBLIC_ID,
    ]) {
      expect(decodeGlobalId(bad), bad).toBeNull();
      expect(decodeGlobalIdOf(bad, "List"), bad).toBeNull();
    }
  });
});
