import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  Conflict,
  Forbidden,
  NotFound,
  RateLimited,
  Validation,
} from "../../../src/domain/errors.js";
import { AudienceError, audienceErrors, fieldOf } from "../../../src/rest/audience/errors.js";
import { answerError, handle } from "../../../src/rest/kit/errors.js";

// The dialect's one error mapper without a database: every domain error and the unexpected one
// in the envelope of the endpoint asked (the tag endpoint's own, the standard one elsewhere), and
// domain paths renamed to the fields audience clients send.

/** Wired as the dialect's routes are: whatever `error` is, thrown by a list or tag handler. */
async function answer(error: unknown, endpoint: "list" | "tag" = "list") {
  const app = new Hono();
  app.onError((thrown, c) => answerError(audienceErrors, c, thrown));
  app.get(
    "/audience/v1/:sid/:endpoint",
    handle(audienceErrors, () => {
      throw error;
    }),
  );
  const response = await app.request(`/audience/v1/s/${endpoint}`);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

describe("fieldOf", () => {
  it("renames domain names to the request's fields and keeps indexes", () => {
    expect(fieldOf(["listId"])).toBe("list_id");
    expect(fieldOf(["tagIds", "1"])).toBe("tags.1");
    expect(fieldOf(["subscribers", "3", "email"])).toBe("data.3.email");
    expect(fieldOf(["subscribers", "0", "firstName"])).toBe("data.0.first_name");
    expect(fieldOf(["updateExisting"])).toBe("update_subscribers");
  });

  it("keeps a custom field's own name, even one that reads like a domain name", () => {
    expect(fieldOf(["customValues", "listId"])).toBe("custom_fields.listId");
    expect(fieldOf(["subscribers", "2", "customValues", "age"])).toBe("data.2.custom_fields.age");
  });

  it("keeps names the dialect already uses, and an empty path empty", () => {
    expect(fieldOf(["list_id"])).toBe("list_id");
    expect(fieldOf(["tags", "0"])).toBe("tags.0");
    expect(fieldOf([])).toBe("");
  });
});

describe("audienceErrors", () => {
  it("answers a Validation as 400 VALIDATION_ERROR, each issue under the client's field name", async () => {
    const error = new Validation([
      { path: ["listId"], message: "no list 00ff in this account" },
      { path: ["tagIds", "1"], message: "no tag nope in this account" },
    ]);
    const { status, text } = await answer(error);
    expect(status).toBe(400);
    const message = "list_id: no list 00ff in this account; tags.1: no tag nope in this account";
    expect(text).toBe(
      JSON.stringify({
        data: null,
        error: {
          code: "VALIDATION_ERROR",
          message,
          details: [
            { field: "list_id", message: "no list 00ff in this account" },
            { field: "tags.1", message: "no tag nope in this account" },
          ],
        },
        message,
        status: 400,
      }),
    );
  });

  it("words an issue of the whole request by its message alone", async () => {
    const { text } = await answer(Validation.of([], "nothing to import"));
    expect(JSON.parse(text).message).toBe("nothing to import");
  });

  it("answers NotFound 404, Forbidden 403, Conflict 409 and RateLimited 429 with Retry-After", async () => {
    const cases: [Error, number, string][] = [
      [new NotFound("List", "00ff"), 404, "NOT_FOUND"],
      [new Forbidden("not yours"), 403, "FORBIDDEN"],
      [new Conflict('a tag named "vip" already exists'), 409, "CONFLICT"],
      [new RateLimited("slow down", 30), 429, "RATE_LIMITED"],
    ];
    for (const [error, status, code] of cases) {
      const got = await answer(error);
      expect(got.status, code).toBe(status);
      expect(JSON.parse(got.text)).toEqual({
        data: null,
        error: { code, message: error.message },
        message: error.message,
        status,
      });
    }
    expect((await answer(new RateLimited("slow down", 30))).headers.get("retry-after")).toBe("30");
  });

  it("answers the dialect's own refusal with its status, details and headers", async () => {
    const refusal = new AudienceError(413, "PAYLOAD_TOO_LARGE", "too big", [], {
      Connection: "close",
    });
    const got = await answer(refusal);
    expect(got.status).toBe(413);
    expect(got.text).toBe(
      '{"data":null,"error":{"code":"PAYLOAD_TOO_LARGE","message":"too big"},"message":"too big","status":413}',
    );
  });

  it("answers on the tag endpoint in its own envelope: status false, statuscode", async () => {
    const got = await answer(
      new AudienceError(401, "UNAUTHORIZED", "Invalid sid or api-key."),
      "tag",
    );
    expect(got.status).toBe(401);
    expect(got.text).toBe(
      '{"data":null,"error":{"code":"UNAUTHORIZED","message":"Invalid sid or api-key."},"message":"Invalid sid or api-key.","status":false,"statuscode":401}',
    );
    const invalid = await answer(Validation.of(["tagIds", "0"], "no tag x in this account"), "tag");
    expect(JSON.parse(invalid.text)).toMatchObject({
      error: { details: [{ field: "tags.0", message: "no tag x in this account" }] },
      status: false,
      statuscode: 400,
    });
  });

  it("answers anything unexpected as a 500 that tells nothing of it, in the endpoint's envelope", async () => {
    for (const thrown of [new Error("password=hunter2 at db.ts:12"), "a string", null]) {
      const got = await answer(thrown);
      expect(got.status).toBe(500);
      expect(got.text).toBe(
        '{"data":null,"error":{"code":"INTERNAL_ERROR","message":"Unexpected error."},"message":"Unexpected error.","status":500}',
      );
    }
    const tag = await answer(new TypeError("boom"), "tag");
    expect(JSON.parse(tag.text)).toEqual({
      data: null,
      error: { code: "INTERNAL_ERROR", message: "Unexpected error." },
      message: "Unexpected error.",
      status: false,
      statuscode: 500,
    });
  });
});
