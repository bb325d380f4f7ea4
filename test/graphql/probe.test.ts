import {
  buildClientSchema,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  getIntrospectionQuery,
  getNamedType,
  getNullableType,
  type IntrospectionQuery,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
} from "graphql";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../helpers/server.js";

// A black-box probe driven by the schema itself: every query field and every mutation gets its
// arguments filled with hostile text (a NUL, a lone surrogate, a megabyte, a bad global id) in
// every string-like position. Whatever the field, the answer is a GraphQL answer with a code on
// each error (a typed error, BAD_USER_INPUT…), never a 5xx or an INTERNAL_SERVER_ERROR. A field
// added later is probed without editing this file.

let gateway: TestGateway;
let key: string;

const HOSTILE: [string, string][] = [
  ["nul", "a\u0000b@x.example"],
  ["lone surrogate", "\ud800@x.example"],
  ["long", `${"a".repeat(300_000)}@x.example`],
  ["global id of nothing", Buffer.from("Nothing:\u0000").toString("base64")],
];

/** A value each scalar takes, so that a hostile leaf is the only thing wrong with a request. */
function benign(scalar: string, path: string): unknown {
  if (scalar === "Date") return "2000-01-01";
  if (scalar === "DateTime") return "2000-01-01T00:00:00Z";
  if (scalar === "JSON") return "plain";
  const name = path.toLowerCase();
  if (name.includes("timezone")) return "UTC";
  if (name.includes("phone")) return "+15551234567";
  if (name.includes("email")) return "probe@example.com";
  return "probe";
}

/**
 * A value for an input type: `hostile` at the string-like leaf whose path is `target` (every
 * such leaf when `target` is "*"), a plain address elsewhere. Paths found are added to `leaves`.
 */
function fill(
  type: GraphQLInputType,
  hostile: string,
  target: string,
  path: string,
  leaves: string[],
  depth = 0,
): unknown {
  const inner = getNullableType(type);
  if (isListType(inner)) return [fill(inner.ofType, hostile, target, `${path}.0`, leaves, depth)];
  if (isEnumType(inner)) return inner.getValues()[0]?.name;
  if (isInputObjectType(inner)) {
    if (depth > 3) return {};
    return Object.fromEntries(
      Object.values(inner.getFields()).map((field) => [
        field.name,
        fill(field.type, hostile, target, `${path}.${field.name}`, leaves, depth + 1),
      ]),
    );
  }
  if (!isScalarType(inner)) return null;
  switch (inner.name) {
    case "Int":
      return 1;
    case "Float":
      return 1.5;
    case "Boolean":
      return true;
    case "File":
      return null;
  }
  leaves.push(path);
  if (target !== "*" && target !== path) {
    // Left out when it may be, so that only the hostile leaf can be wrong.
    return isNonNullType(type) ? benign(inner.name, path) : undefined;
  }
  return inner.name === "JSON" ? { text: hostile, nested: [hostile] } : hostile;
}

function argumentsOf(field: GraphQLField<unknown, unknown>, hostile: string, target: string) {
  const leaves: string[] = [];
  const values = Object.fromEntries(
    field.args.map((arg: GraphQLArgument) => [
      arg.name,
      fill(arg.type, hostile, target, arg.name, leaves),
    ]),
  );
  return { values, leaves };
}

/** `field(a: $a, …) { __typename }` with the variables declared from the field's own arguments. */
function operation(kind: "query" | "mutation", field: GraphQLField<unknown, unknown>): string {
  const declared = field.args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(", ");
  const passed = field.args.map((arg) => `${arg.name}: $${arg.name}`).join(", ");
  const named = getNamedType(field.type);
  const selection = isScalarType(named) || isEnumType(named) ? "" : " { __typename }";
  return `${kind}${declared ? `(${declared})` : ""} { ${field.name}${passed ? `(${passed})` : ""}${selection} }`;
}

beforeAll(async () => {
  gateway = await startTestGateway();
  key = (await gateway.account("probe")).key;
});

afterAll(async () => {
  await gateway?.close();
});

it("answers hostile text in every argument of every field with coded errors, never a 5xx", async () => {
  const introspection = await gateway.graphql<IntrospectionQuery>(getIntrospectionQuery(), {}, key);
  const schema = buildClientSchema(introspection.data as IntrospectionQuery);
  const fields: ["query" | "mutation", GraphQLField<unknown, unknown>][] = [
    ...Object.values(schema.getQueryType()?.getFields() ?? {}).map(
      (field) => ["query", field] as ["query", GraphQLField<unknown, unknown>],
    ),
    ...Object.values(schema.getMutationType()?.getFields() ?? {}).map(
      (field) => ["mutation", field] as ["mutation", GraphQLField<unknown, unknown>],
    ),
  ].filter(([, field]) => field.args.length > 0);
  expect(fields.length).toBeGreaterThan(20);

  const requests: [string, string, Record<string, unknown>][] = [];
  for (const [kind, field] of fields) {
    const document = operation(kind, field);
    const { leaves } = argumentsOf(field, "", "*");
    for (const [what, hostile] of HOSTILE) {
      // Every leaf hostile at once, then each leaf alone among plain values, so that a check on
      // one field cannot hide a missing check on another.
      for (const target of ["*", ...leaves]) {
        const { values } = argumentsOf(field, hostile, target);
        requests.push([`${field.name} ${target} (${what})`, document, values]);
      }
    }
  }
  expect(requests.length).toBeGreaterThan(200);

  const failures: string[] = [];
  for (const [name, document, variables] of requests) {
    const answer = await fetch(`${gateway.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: document, variables }),
    });
    const text = await answer.text();
    let body: { errors?: { message: string; extensions?: { code?: string } }[] } = {};
    try {
      body = JSON.parse(text);
    } catch {
      failures.push(`${name}: ${answer.status}, not JSON: ${text.slice(0, 120)}`);
      continue;
    }
    const uncoded = (body.errors ?? []).filter(
      (error) => !error.extensions?.code || error.extensions.code === "INTERNAL_SERVER_ERROR",
    );
    if (answer.status >= 500 || uncoded.length > 0) {
      failures.push(`${name}: ${answer.status} ${JSON.stringify(uncoded).slice(0, 200)}`);
    }
  }
  expect(failures).toEqual([]);
}, 600_000);
