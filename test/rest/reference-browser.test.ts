import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";

// /docs in a real headless Chromium with the network off: every request the page makes is
// routed, those for another host than the test server are aborted and recorded, and the test
// asserts there were none. Then "Try it": a key typed into the page, an operation's test request
// panel opened, the request sent, and the server's answer shown in the page.

const CHROMIUM = "/usr/bin/chromium";
const required = process.env.REQUIRE_BROWSER === "1";
const present = existsSync(CHROMIUM);

if (!present) {
  // `npm test` on a machine with Node only still passes; CI (REQUIRE_BROWSER=1) fails instead.
  console.warn(
    `reference-browser: no browser at ${CHROMIUM}` +
      (required
        ? "; REQUIRE_BROWSER=1, so this fails"
        : ": skipped (apt-get install chromium, or set REQUIRE_BROWSER=1 to make this a failure)"),
  );
}

it.runIf(!present && required)("needs Chromium at /usr/bin/chromium (REQUIRE_BROWSER=1)", () => {
  expect.fail(`REQUIRE_BROWSER=1 and no browser at ${CHROMIUM}: apt-get install chromium`);
});

describe.runIf(present)("/docs in headless Chromium, offline", () => {
  let gateway: TestGateway;
  let browser: Browser;
  let context: BrowserContext;
  /** Every request the page tried to send somewhere else than the test server. */
  const outside: string[] = [];

  beforeAll(async () => {
    gateway = await startTestGateway();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    // Service workers would fetch around the routing below: none may run.
    context = await browser.newContext({ serviceWorkers: "block" });
    await context.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === "127.0.0.1") return route.continue();
      outside.push(route.request().url());
      return route.abort("internetdisconnected");
    });
    await context.routeWebSocket(/.*/, (socket) => {
      outside.push(socket.url());
      return socket.close();
    });
    // What the page's Content-Security-Policy blocked (it never reaches the routing above).
    await context.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener("securitypolicyviolation", (event) =>
        seen.push(`${event.violatedDirective} ${event.blockedURI}`),
      );
    });
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it("renders the reference, and Try it sends a request with a key and shows the answer", async () => {
    const { key } = await gateway.account();
    // A contact to read: made through botamp (any surface makes the same subscriber).
    const created = await fetch(`${gateway.url}/api/subscribers/create_or_update`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ subscriber: { email: "ada@example.com", name: "Ada Lovelace" } }),
    });
    expect(created.status).toBe(200);
    const { subscriber } = (await created.json()) as { subscriber: { id: string } };

    const page = await context.newPage();
    const loaded = await page.goto(`${gateway.url}/docs`);
    expect(loaded?.status()).toBe(200);

    // The reference rendered from /openapi.json: an operation's summary is on the page.
    const operation = page.getByText("Get contact details").first();
    await operation.waitFor({ state: "visible", timeout: 60_000 });

    // The key, typed once into the page's authentication box, goes with every "Try it".
    await page.getByLabel("Bearer Token").first().fill(key);
    await operation.click();
    await page.getByRole("button", { name: "Test Request (get /v1/contacts/{id})" }).click();
    const client = page.getByRole("dialog");
    await client.waitFor({ state: "visible", timeout: 30_000 });
    expect(await client.getByPlaceholder("Token").inputValue()).toBe(key);

    // The path's id: the first value of the panel's variables.
    await client.locator('[contenteditable=true][aria-label=" Value"]').first().click();
    await page.keyboard.press("ControlOrMeta+A");
    await page.keyboard.type(subscriber.id);

    const answered = page.waitForResponse((response) =>
      response.url().endsWith(`/v1/contacts/${subscriber.id}`),
    );
    await client.getByRole("button", { name: /send/i }).first().click();
    const response = await answered;
    expect(response.status()).toBe(200);
    expect(response.request().headers().authorization).toBe(`Bearer ${key}`);
    // The page shows the answer: its status and the contact.
    await client.getByText(/^\s*200 OK\s*$/).waitFor({ state: "visible", timeout: 30_000 });
    await client.getByText("ada@example.com").first().waitFor({ state: "visible" });

    // Nothing left the machine, and the page's policy blocked no load: the one violation it
    // may see is zod's probe for eval (`try { Function("") }`, caught: zod then runs without it).
    expect(outside).toEqual([]);
    const violations = await page.evaluate(
      () => (window as unknown as { cspViolations: string[] }).cspViolations,
    );
    expect(violations.filter((violation) => violation !== "script-src eval")).toEqual([]);
    await page.close();
  });

  it("shows a refused request's answer too: a wrong key is the page's 401", async () => {
    const page = await context.newPage();
    await page.goto(`${gateway.url}/docs`);
    const operation = page.getByText("Get contact details").first();
    await operation.waitFor({ state: "visible", timeout: 60_000 });
    await page.getByLabel("Bearer Token").first().fill("0".repeat(40));
    await operation.click();
    await page.getByRole("button", { name: "Test Request (get /v1/contacts/{id})" }).click();
    const client = page.getByRole("dialog");
    await client.waitFor({ state: "visible", timeout: 30_000 });
    await client.getByRole("button", { name: /send/i }).first().click();
    await client
      .getByText(/^\s*401 Unauthorized\s*$/)
      .waitFor({ state: "visible", timeout: 30_000 });
    await client.getByText('"unauthorized"').first().waitFor({ state: "visible" });
    expect(outside).toEqual([]);
    await page.close();
  });
});
