import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // Pothos loads graphql's CommonJS build; one copy keeps "another module or realm" away.
    alias: { graphql: require.resolve("graphql/index.js") },
  },
  test: {
    globalSetup: ["test/helpers/global-setup.ts"],
    // test/canary holds one test that fails on purpose: `.ci/run` runs it alone (TEST_CANARY=1
    // npm test) to prove that a failing test makes `npm test` exit non-zero.
    include: process.env.TEST_CANARY ? ["test/canary/**/*.test.ts"] : ["test/**/*.test.ts"],
    exclude: process.env.TEST_CANARY ? [] : ["test/canary/**", "**/node_modules/**"],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: "forks",
    // vitest runs cores − 1 files at once: one on a 2-core machine. The files mostly wait (on
    // Postgres, on servers they spawn, on workers), so four at once take ~half the time there.
    maxWorkers: 4,
  },
});
