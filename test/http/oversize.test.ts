import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";

// A body over a surface's limit is refused with that surface's 413, and the answer reaches the
// client every time: with fetch (which sends the whole body while the server has already
// answered), with curl, and with curl's `Expect: 100-continue` (answered without 100, so the body
// is never sent). Before, most of these ended in a reset or a broken pipe instead of the 413.

const SIZE = 3 * 1024 * 1024;
const TRIES = 10;

let gateway: TestGateway;
let account: { id: string; sid: string; key: string };
let directory: string;
let bodyFile: string;
const body = `{"pad":"${"x".repeat(SIZE)}"}`;

beforeAll(async () => {
  gateway = await startTestGateway();
  account = await gateway.account();
  directory = await mkdtemp(join(tmpdir(), "oversize-"));
  bodyFile = join(directory, "body.json");
  await writeFile(bodyFile, body);
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
  await gateway.close();
});

interface Surface {
  name: string;
  url: () => string;
  headers: () => Record<string, string>;
  /** The surface's own 413 body. */
  check: (json: unknown) => void;
}

const surfaces: Surface[] = [
  {
    name: "GraphQL",
    url: () => `${gateway.url}/graphql`,
    headers: () => ({ authorization: `Bearer ${account.key}` }),
    check: (json) =>
      expect(json).toMatchObject({
        errors: [{ message: expect.any(String), extensions: { code: "PAYLOAD_TOO_LARGE" } }],
      }),
  },
  {
    name: "mailtrain",
    url: () => `${gateway.url}/api/subscribe/${"0".repeat(32)}?access_token=${account.key}`,
    headers: () => ({}),
    check: (json) => expect(json).toEqual({ error: expect.stringMatching(/2 MB/), data: [] }),
  },
  {
    name: "botamp",
    url: () => `${gateway.url}/api/subscribers/create_or_update`,
    headers: () => ({ authorization: `Bearer ${account.key}` }),
    check: (json) =>
      expect(json).toEqual({ error: { code: "payload_too_large", message: expect.any(String) } }),
  },
  {
    name: "audience",
    url: () => `${gateway.url}/audience/v1/${account.sid}/contact`,
    headers: () => ({ "api-key": account.key }),
    check: (json) =>
      expect(json).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" }, status: 413 }),
  },
];

interface Outcome {
  status: number;
  text: string;
  /** Interim answers (100 Continue) curl saw before the final one. */
  interim: number[];
}

async function viaFetch(surface: Surface, chunked: boolean): Promise<Outcome> {
  const init: RequestInit & { duplex?: "half" } = {
    method: "POST",
    headers: { "content-type": "application/json", ...surface.headers() },
    body,
  };
  if (chunked) {
    // No Content-Length: the limit is only known once the body has been read past it.
    const bytes = new TextEncoder().encode(body);
    init.body = new ReadableStream({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 64 * 1024) {
          controller.enqueue(bytes.subarray(at, at + 64 * 1024));
        }
        controller.close();
      },
    });
    init.duplex = "half";
  }
  const response = await fetch(surface.url(), init);
  return { status: response.status, text: await response.text(), interim: [] };
}

function viaCurl(surface: Surface, expectContinue: boolean): Promise<Outcome> {
  const headers = Object.entries({
    "content-type": "application/json",
    // curl adds `Expect: 100-continue` to large bodies by itself; an empty value removes it.
    expect: expectContinue ? "100-continue" : "",
    ...surface.headers(),
  }).flatMap(([name, value]) => ["-H", `${name}: ${value}`]);
  const args = [
    "--silent",
    "--show-error",
    "--dump-header",
    "-",
    // Waits for the 100 far longer than the server needs to answer, so a 413 comes first.
    "--expect100-timeout",
    "30",
    "--max-time",
    "60",
    ...headers,
    "--data-binary",
    `@${bodyFile}`,
    surface.url(),
  ];
  return new Promise((resolve, reject) => {
    execFile("curl", args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`curl failed (${String(error.code)}): ${stderr}`));
        return;
      }
      const statuses = [...stdout.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
      const final = statuses.pop() ?? 0;
      const text = stdout.slice(stdout.lastIndexOf("\r\n\r\n") + 4);
      resolve({ status: final, text, interim: statuses });
    });
  });
}

async function subscriberCount(): Promise<number> {
  const row = await gateway.database.db
    .selectFrom("subscribers")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe.each(surfaces)("a 3 MB body to $name", (surface) => {
  const expect413 = (outcome: Outcome) => {
    expect(outcome.status, outcome.text.slice(0, 200)).toBe(413);
    surface.check(JSON.parse(outcome.text));
    expect(outcome.interim).toEqual([]);
  };

  it(`gets its 413 with fetch, ${TRIES} times out of ${TRIES}`, async () => {
    for (let i = 0; i < TRIES; i++) expect413(await viaFetch(surface, false));
  });

  it(`gets its 413 with fetch and a chunked body, ${TRIES} times out of ${TRIES}`, async () => {
    for (let i = 0; i < TRIES; i++) expect413(await viaFetch(surface, true));
  });

  it(`gets its 413 with curl, ${TRIES} times out of ${TRIES}`, async () => {
    for (let i = 0; i < TRIES; i++) expect413(await viaCurl(surface, false));
  });

  it(`gets its 413 with curl's Expect: 100-continue and no 100, ${TRIES} times out of ${TRIES}`, async () => {
    for (let i = 0; i < TRIES; i++) expect413(await viaCurl(surface, true));
    expect(await subscriberCount()).toBe(0);
  });
});

it("still asks for the body of an Expect: 100-continue request under the limit", async () => {
  const small = join(directory, "small.json");
  await writeFile(
    small,
    JSON.stringify({ subscriber: { email: "continue@example.com" }, pad: "x".repeat(4096) }),
  );
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      "curl",
      [
        "--silent",
        "--show-error",
        "--dump-header",
        "-",
        "--expect100-timeout",
        "30",
        "-H",
        "content-type: application/json",
        "-H",
        "expect: 100-continue",
        "-H",
        `authorization: Bearer ${account.key}`,
        "--data-binary",
        `@${small}`,
        `${gateway.url}/api/subscribers/create_or_update`,
      ],
      (error, out, stderr) => (error ? reject(new Error(stderr)) : resolve(out)),
    ),
  );
  expect([...stdout.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => m[1])).toEqual(["100", "200"]);
  expect(await subscriberCount()).toBe(1);
});
