import type { Runner } from "graphile-worker";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";
import { startTestWorker, uploadOk, waitForImport } from "./fixtures.js";

// A CSV file with a NUL past its first 8 KB (a file with one in its first 8 KB is refused whole):
// the row holding it is refused with its reason, where it used to be stored with the NUL dropped
// (`strip\0me@x.example` became `stripme@x.example`, another subscriber than the file's).

let gateway: TestGateway;
let worker: Runner;
beforeAll(async () => {
  gateway = await startTestGateway();
  worker = await startTestWorker(gateway);
});
afterAll(async () => {
  await worker?.stop();
  await gateway?.close();
});

it("refuses each row holding a NUL and imports the others", async () => {
  const { key } = await gateway.account();
  const filler = Array.from({ length: 400 }, (_, i) => `filler${i}@x.example,Filler`);
  const csv = [
    "email,first_name",
    ...filler,
    "strip\u0000me@x.example,Strip",
    "named@x.example,Na\u0000me",
    "kept@x.example,Kept",
  ].join("\n");
  expect(Buffer.from(csv).indexOf(0)).toBeGreaterThan(8192);
  const started = await uploadOk(gateway, key, csv);
  const done = await waitForImport(gateway, key, started.id);
  expect(done).toMatchObject({ status: "COMPLETED", total: 403, created: 401, invalid: 2 });
  const errors = await gateway.graphql<{
    node: { errors: { edges: { node: { row: number; email: string | null; message: string } }[] } };
  }>(
    `query($id: ID!) { node(id: $id) { ... on Import { errors(first: 10) { edges { node { row email message } } } } } }`,
    { id: started.id },
    key,
  );
  expect(errors.data?.node.errors.edges.map((edge) => edge.node)).toEqual([
    { row: 401, email: null, message: "contains a NUL character (\\u0000)" },
    { row: 402, email: "named@x.example", message: "contains a NUL character (\\u0000)" },
  ]);
  const stored = await gateway.database.db
    .selectFrom("subscribers")
    .select("email")
    .where("email", "in", ["stripme@x.example", "named@x.example", "kept@x.example"])
    .execute();
  expect(stored).toEqual([{ email: "kept@x.example" }]);
});
