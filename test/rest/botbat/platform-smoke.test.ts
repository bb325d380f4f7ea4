import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../../helpers/server.js";

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(async () => {
  await gateway?.close();
});

it("answers 401, 403, 404 and 200 in botbat's envelope", async () => {
  const { id, key } = await gateway.account();
  const none = await fetch(`${gateway.url}/v1/contacts/abc`);
  expect(none.status).toBe(401);
  expect(await none.json()).toMatchObject({ error: { code: "unauthorized" } });
  const tagsOnly = await gateway.key(id, ["tags:read"]);
  const forbidden = await fetch(`${gateway.url}/v1/contacts/abc`, {
    headers: { authorization: `Bearer ${tagsOnly}` },
  });
  expect(forbidden.status).toBe(403);
  const missing = await fetch(`${gateway.url}/v1/contacts/abc`, {
    headers: { authorization: `Bearer ${key}` },
  });
  expect(missing.status).toBe(404);
  expect(await missing.json()).toEqual({
    error: { code: "not_found", message: "contact abc not found" },
  });
  const nowhere = await fetch(`${gateway.url}/v1/nowhere`, {
    headers: { authorization: `Bearer ${key}` },
  });
  expect(nowhere.status).toBe(404);
  expect(await nowhere.json()).toMatchObject({ error: { code: "not_found" } });
});
