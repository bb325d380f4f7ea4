import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/http/app.js";
import { jobs } from "../../src/jobs/queue.js";
import { createLogger } from "../../src/log.js";
import { startTestGateway, type TestGateway } from "../helpers/server.js";

// GET /openapi.json and GET /docs over HTTP: the document covers every /v1 route the app serves,
// states the key and the 401 on each, holds together structurally, and the page's assets are all
// served here.

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document read as plain JSON
type Json = any;

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"];

let gateway: TestGateway;
let document: Json;
beforeAll(async () => {
  gateway = await startTestGateway();
  const response = await fetch(`${gateway.url}/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  document = await response.json();
});
afterAll(async () => {
  await gateway?.close();
});

async function rowCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ["subscribers", "idempotency_keys"] as const) {
    const row = await gateway.database.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

/** Every operation of the document: its path, method and object. */
function operations(doc: Json = document): { path: string; method: string; operation: Json }[] {
  return Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({
      path,
      method,
      operation: item[method],
    })),
  );
}

/** The /v1 routes the app really serves (method and path in OpenAPI's `{param}` form). */
function servedV1Routes(): string[] {
  const { db, pool } = gateway.database;
  const app = createApp({ db, pool, jobs, log: createLogger("silent") });
  const routes = new Set<string>();
  for (const route of app.routes) {
    if (!route.path.startsWith("/v1/") || route.path.includes("*") || route.method === "ALL")
      continue;
    routes.add(`${route.method.toLowerCase()} ${route.path.replace(/:(\w+)/g, "{$1}")}`);
  }
  return [...routes].sort();
}

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document with a title, a version and a server on this host", () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info.title).toEqual(expect.any(String));
    expect(document.info.version).toEqual(expect.any(String));
    // Relative: "Try it" sends to whichever host served the document.
    expect(document.servers).toEqual([expect.objectContaining({ url: "/" })]);
  });

  it("lists every /v1 route the app serves, GET /v1/contacts/{id} among them", () => {
    const served = servedV1Routes();
    expect(served).toContain("get /v1/contacts/{id}");
    const documented = operations()
      .filter(({ path }) => path.startsWith("/v1/"))
      .map(({ path, method }) => `${method} ${path}`)
      .sort();
    expect(documented).toEqual(served);
    expect(document.paths["/v1/contacts/{id}"].get.summary).toBe("Get contact details");
  });

  it("asks every /v1 operation for the bearer key and documents its 401", () => {
    expect(document.components.securitySchemes.bearer).toMatchObject({
      type: "http",
      scheme: "bearer",
    });
    const v1 = operations().filter(({ path }) => path.startsWith("/v1/"));
    expect(v1.length).toBeGreaterThan(0);
    for (const { path, method, operation } of v1) {
      const where = `${method} ${path}`;
      expect(operation.security, where).toEqual([{ bearer: [] }]);
      expect(operation.responses["401"], where).toMatchObject({
        description: expect.stringMatching(/unauthorized/),
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      });
    }
  });

  it("answers each documented /v1 operation with its documented 401 when no key is sent", async () => {
    await gateway.account();
    const before = await rowCounts();
    for (const { path, method } of operations().filter(({ path }) => path.startsWith("/v1/"))) {
      const url = `${gateway.url}${path.replace(/\{\w+\}/g, "x")}`;
      const response = await fetch(url, {
        method: method.toUpperCase(),
        headers: { "content-type": "application/json", "idempotency-key": "reference-401" },
        body: ["post", "put", "patch"].includes(method) ? "{}" : undefined,
      });
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: "unauthorized" } });
    }
    // A refused request changes nothing.
    expect(await rowCounts()).toEqual(before);
  });

  it("documents the rate-limit headers a real answer carries, and Retry-After on a 429", async () => {
    const v1 = operations().filter(({ path }) => path.startsWith("/v1/"));
    for (const { path, method, operation } of v1) {
      for (const [status, response] of Object.entries(operation.responses) as [string, Json][]) {
        const names = Object.keys(response.headers ?? {});
        const where = `${method} ${path} ${status}`;
        if (status === "401") expect(names, where).toEqual([]);
        else
          expect(names, where).toEqual(
            expect.arrayContaining([
              "X-RateLimit-Limit",
              "X-RateLimit-Remaining",
              "X-RateLimit-Reset",
            ]),
          );
        if (status === "429") expect(names, where).toContain("Retry-After");
      }
    }
    const { key } = await gateway.account();
    const documented = document.paths["/v1/contacts/{id}"].get.responses["404"].headers;
    const answer = await fetch(`${gateway.url}/v1/contacts/nobody`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(answer.status).toBe(404);
    for (const name of Object.keys(documented))
      expect(answer.headers.get(name), name).toMatch(/^\d+$/);
  });

  it("documents Idempotency-Key on every /v1 POST", () => {
    const posts = operations().filter(
      ({ path, method }) => path.startsWith("/v1/") && method === "post",
    );
    expect(posts.length).toBeGreaterThan(0);
    for (const { path, operation } of posts) {
      expect(operation.parameters, path).toContainEqual(
        expect.objectContaining({ name: "Idempotency-Key", in: "header", required: false }),
      );
      expect(Object.keys(operation.responses), path).toEqual(
        expect.arrayContaining(["409", "422"]),
      );
    }
  });

  it("holds together: refs resolve, path parameters match, responses are described", () => {
    const problems = structuralProblems(document);
    expect(problems).toEqual([]);
  });

  it("has checks that catch a broken document", () => {
    const broken = structuredClone(document);
    const get = broken.paths["/v1/contacts/{id}"].get;
    get.parameters = [];
    get.responses["200"].content["application/json"].schema = { $ref: "#/components/schemas/Nope" };
    broken.components.schemas.Contact.required.push("nickname");
    broken.components.schemas.Contact.properties.email.type = "text";
    get.responses["999"] = { description: "no such status" };
    const problems = structuralProblems(broken).join("\n");
    expect(problems).toContain("does not resolve");
    expect(problems).toContain("path parameters do not match the template");
    expect(problems).toContain('requires "nickname"');
    expect(problems).toContain('type "text" is not a JSON type');
    expect(problems).toContain('response "999" is not a status');
  });

  it("shows botamp's endpoints with the zod schemas that validate their bodies", () => {
    const single = document.paths["/api/subscribers/create_or_update"].post;
    expect(single.tags).toEqual(["botamp"]);
    expect(single.security).toEqual([{ bearer: [] }]);
    const schema = single.requestBody.content["application/json"].schema;
    expect(schema.required).toEqual(["subscriber"]);
    expect(schema.properties.subscriber.required).toEqual(["email"]);
    expect(Object.keys(schema.properties.subscriber.properties)).toEqual(
      expect.arrayContaining(["email", "name", "company_name", "birthday", "tags"]),
    );
    const many = document.paths["/api/subscribers/create_or_update_many"].post;
    expect(
      many.requestBody.content["application/json"].schema.properties.subscribers,
    ).toMatchObject({ type: "array", minItems: 1 });
  });

  it("is the same text on every request", async () => {
    const again = await fetch(`${gateway.url}/openapi.json`);
    expect(await again.json()).toEqual(document);
  });
});

describe("GET /docs", () => {
  it("is a page whose one script is served here, under a policy that allows this origin only", async () => {
    const response = await fetch(`${gateway.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    const policy = response.headers.get("content-security-policy") ?? "";
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    const html = await response.text();
    // No absolute URL anywhere in the page: every asset is on this host.
    expect(html).not.toMatch(/(https?:)?\/\/[a-z0-9]/i);
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1]);
    expect(scripts).toHaveLength(1);
    expect(html).toContain('"url":"/openapi.json"');
    expect(html).toContain('"withDefaultFonts":false');
    expect(html).toContain('"telemetry":false');

    const script = await fetch(`${gateway.url}${scripts[0]}`, {
      headers: { "accept-encoding": "identity" },
    });
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(script.headers.get("cache-control")).toContain("max-age=31536000");
    const plain = Buffer.from(await script.arrayBuffer());
    expect(plain.length).toBeGreaterThan(1_000_000);
    expect(plain.toString("utf8", 0, 200)).toContain("scalar");
  });

  it("serves the script gzipped to a client that accepts it, the same bytes unpacked", async () => {
    const html = await (await fetch(`${gateway.url}/docs`)).text();
    const path = /<script src="([^"]+)"/.exec(html)?.[1];
    const plain = Buffer.from(
      await (
        await fetch(`${gateway.url}${path}`, { headers: { "accept-encoding": "identity" } })
      ).arrayBuffer(),
    );
    // node's fetch would unpack it itself: ask with the raw bytes through a plain request.
    const { request } = await import("node:http");
    const packed: { encoding?: string; body: Buffer } = await new Promise((resolve, reject) => {
      request(`${gateway.url}${path}`, { headers: { "accept-encoding": "gzip" } }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (chunk: Buffer) => chunks.push(chunk));
        answer.on("end", () =>
          resolve({
            encoding: answer.headers["content-encoding"],
            body: Buffer.concat(chunks),
          }),
        );
        answer.on("error", reject);
      })
        .on("error", reject)
        .end();
    });
    expect(packed.encoding).toBe("gzip");
    expect(packed.body.length).toBeLessThan(plain.length / 2);
    expect(gunzipSync(packed.body).equals(plain)).toBe(true);
  });

  it("answers 404 for a script of another version", async () => {
    const response = await fetch(`${gateway.url}/docs/assets/scalar-0.0.0.js`);
    expect(response.status).toBe(404);
  });
});

/** What a reader of the document would trip over; empty when it holds together. */
function structuralProblems(doc: Json): string[] {
  const problems: string[] = [];
  const resolve = (ref: string): unknown => {
    if (!ref.startsWith("#/")) return undefined;
    let node: Json = doc;
    for (const part of ref.slice(2).split("/")) {
      node = node?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
    }
    return node;
  };
  const walk = (node: Json, where: string): void => {
    if (Array.isArray(node)) {
      node.forEach((item, index) => {
        walk(item, `${where}[${index}]`);
      });
    } else if (node && typeof node === "object") {
      if (typeof node.$ref === "string" && resolve(node.$ref) === undefined)
        problems.push(`${where}: $ref ${node.$ref} does not resolve`);
      for (const [key, value] of Object.entries(node)) walk(value, `${where}.${key}`);
    }
  };
  walk(doc, "$");

  // Every schema, wherever it is: JSON Schema's types only, and `required` names its properties.
  const TYPES = ["string", "number", "integer", "boolean", "array", "object", "null"];
  const schemas: { schema: Json; where: string }[] = [];
  const collect = (schema: Json, where: string): void => {
    if (!schema || typeof schema !== "object" || schema.$ref) return;
    schemas.push({ schema, where });
    for (const [key, value] of Object.entries(schema.properties ?? {}))
      collect(value, `${where}.${key}`);
    if (schema.items) collect(schema.items, `${where}[]`);
    for (const keyword of ["anyOf", "oneOf", "allOf"])
      (schema[keyword] ?? []).forEach((branch: Json, index: number) => {
        collect(branch, `${where}.${keyword}[${index}]`);
      });
  };
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    if (!/^[a-zA-Z0-9.\-_]+$/.test(name)) problems.push(`components.schemas.${name}: bad name`);
    collect(schema, `#/components/schemas/${name}`);
  }
  const media = (content: Json, where: string) => {
    for (const [type, entry] of Object.entries(content ?? {}) as [string, Json][])
      collect(entry.schema, `${where} ${type}`);
  };
  for (const { path, method, operation } of operations(doc)) {
    for (const parameter of operation.parameters ?? [])
      collect(parameter.schema, `${method} ${path} ${parameter.name}`);
    media(operation.requestBody?.content, `${method} ${path} body`);
    for (const [status, response] of Object.entries(operation.responses ?? {}) as [string, Json][])
      media(response.content, `${method} ${path} ${status}`);
  }
  for (const { schema, where } of schemas) {
    const types = schema.type === undefined ? [] : [schema.type].flat();
    for (const type of types)
      if (!TYPES.includes(type)) problems.push(`${where}: type "${type}" is not a JSON type`);
    for (const name of schema.required ?? [])
      if (!schema.properties || !(name in schema.properties))
        problems.push(`${where}: requires "${name}", which is not among its properties`);
  }
  expect(schemas.length).toBeGreaterThan(10);

  if (typeof doc.info?.title !== "string") problems.push("info.title is missing");
  if (typeof doc.info?.version !== "string") problems.push("info.version is missing");
  const schemes = Object.keys(doc.components?.securitySchemes ?? {});
  const declaredTags = new Set((doc.tags ?? []).map((tag: Json) => tag.name));
  const operationIds = new Set<string>();

  for (const { path, method, operation } of operations(doc)) {
    const where = `${method} ${path}`;
    if (!path.startsWith("/")) problems.push(`${path}: a path starts with /`);
    const templated = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
    const parameters: Json[] = [
      ...(doc.paths[path].parameters ?? []),
      ...(operation.parameters ?? []),
    ].map((parameter: Json) => (parameter.$ref ? resolve(parameter.$ref) : parameter));
    const inPath = parameters.filter((parameter) => parameter.in === "path");
    if (
      JSON.stringify(inPath.map((parameter) => parameter.name).sort()) !== JSON.stringify(templated)
    )
      problems.push(`${where}: path parameters do not match the template`);
    for (const parameter of inPath)
      if (parameter.required !== true)
        problems.push(`${where}: path parameter ${parameter.name} is not required`);
    const seen = new Set<string>();
    for (const parameter of parameters) {
      if (!["query", "header", "path", "cookie"].includes(parameter.in))
        problems.push(`${where}: parameter ${parameter.name} is in "${parameter.in}"`);
      const id = `${parameter.in}:${parameter.name}`;
      if (seen.has(id)) problems.push(`${where}: parameter ${id} twice`);
      seen.add(id);
      if (!parameter.schema && !parameter.content)
        problems.push(`${where}: parameter ${id} has no schema`);
    }
    if (operation.operationId) {
      if (operationIds.has(operation.operationId))
        problems.push(`${where}: operationId ${operation.operationId} twice`);
      operationIds.add(operation.operationId);
    }
    const responses = Object.entries(operation.responses ?? {});
    if (responses.length === 0) problems.push(`${where}: no responses`);
    for (const [status, response] of responses as [string, Json][]) {
      if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status))
        problems.push(`${where}: response "${status}" is not a status`);
      if (typeof response.description !== "string")
        problems.push(`${where}: response ${status} has no description`);
    }
    if (operation.requestBody && !operation.requestBody.content)
      problems.push(`${where}: a request body without content`);
    for (const requirement of operation.security ?? [])
      for (const name of Object.keys(requirement))
        if (!schemes.includes(name)) problems.push(`${where}: security scheme ${name} is unknown`);
    for (const tag of operation.tags ?? [])
      if (!declaredTags.has(tag)) problems.push(`${where}: tag ${tag} is not declared`);
  }
  return problems;
}
