import { expect, it } from "vitest";
import { isForbiddenAddress } from "../../src/domain/webhooks/address.js";
import { delivered, nextAttemptDelay } from "../../src/domain/webhooks/retry.js";
import { DEFAULT_WEBHOOK_SETTINGS } from "../../src/domain/webhooks/settings.js";

// The figures a client relies on: five retries over about twelve hours, each within ± 20 %, and
// which addresses a webhook can never reach.

it("retries five times, 1 min to 9 h apart, about 12 hours in all, each within ± 20 %", () => {
  const at = (random: number) =>
    [1, 2, 3, 4, 5].map((attempt) =>
      nextAttemptDelay(DEFAULT_WEBHOOK_SETTINGS, attempt, () => random),
    );
  const middle = at(0.5) as number[];
  expect(middle).toEqual([60_000, 300_000, 1_800_000, 7_200_000, 32_400_000]);
  expect(middle.reduce((sum, wait) => sum + wait, 0) / 3_600_000).toBeCloseTo(11.6, 1);
  expect(at(0)).toEqual(middle.map((wait) => wait * 0.8));
  expect(at(1)).toEqual(middle.map((wait) => wait * 1.2));
  expect(nextAttemptDelay(DEFAULT_WEBHOOK_SETTINGS, 6)).toBeNull();
});

it("counts only a 2xx as delivered: a redirect fails", () => {
  expect([200, 201, 204, 299].map(delivered)).toEqual([true, true, true, true]);
  expect([null, 199, 301, 302, 400, 500].map(delivered)).toEqual([
    false,
    false,
    false,
    false,
    false,
    false,
  ]);
});

it("refuses every loopback, private, link-local, CGNAT and metadata form, v4 and v6", () => {
  const refused = [
    "127.0.0.1",
    "127.255.0.9",
    "10.0.0.1",
    "172.31.255.255",
    "192.168.0.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "::",
    "::1",
    "fd00:ec2::254",
    "fc00::1",
    "fe80::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:169.254.169.254",
    "::ffff:a9fe:a9fe",
    "64:ff9b::10.0.0.1",
    "not an address",
  ];
  for (const address of refused) expect(isForbiddenAddress(address), address).toBe(true);
  for (const address of [
    "93.184.215.14",
    "8.8.8.8",
    "172.32.0.1",
    "2606:4700::1111",
    "::ffff:8.8.8.8",
  ])
    expect(isForbiddenAddress(address), address).toBe(false);
});
