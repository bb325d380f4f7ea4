import { expect, it } from "vitest";

// Fails on purpose. `.ci/run` runs it alone through `npm test` and fails CI if that run exits 0:
// a suite whose failures cannot turn CI red proves nothing. Never "fix" this test.
it("canary: a failing assertion makes npm test exit non-zero", () => {
  expect(1 + 1).toBe(3);
});
