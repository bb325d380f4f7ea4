import { Kind, type ValueNode } from "graphql";
import { MAX_NESTING, nestsDeeperThan } from "../domain/nesting.js";
import { badUserInput } from "./bad-input.js";
import { builder } from "./builder.js";

const DATE = /^\d{4}-\d{2}-\d{2}$/;

builder.scalarType("DateTime", {
  description: "An ISO-8601 timestamp in UTC, e.g. 2024-11-18T18:08:20.000Z.",
  serialize: (value) =>
    value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString(),
  parseValue: (value) => {
    const date = typeof value === "string" ? new Date(value) : new Date(Number.NaN);
    if (Number.isNaN(date.getTime()))
      throw badUserInput(`"${String(value)}" is not an ISO-8601 timestamp`);
    return date;
  },
});

builder.scalarType("Date", {
  description: "A calendar date, YYYY-MM-DD.",
  serialize: (value) => String(value),
  parseValue: (value) => {
    if (
      typeof value !== "string" ||
      !DATE.test(value) ||
      Number.isNaN(Date.parse(`${value}T00:00:00Z`))
    ) {
      throw badUserInput(`"${String(value)}" is not a date (YYYY-MM-DD)`);
    }
    return value;
  },
});

function literal(node: ValueNode): unknown {
  switch (node.kind) {
    case Kind.STRING:
    case Kind.ENUM:
      return node.value;
    case Kind.BOOLEAN:
      return node.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(node.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return node.values.map(literal);
    case Kind.OBJECT:
      return Object.fromEntries(
        node.fields.map((field) => [field.name.value, literal(field.value)]),
      );
    default:
      throw badUserInput("variables are not allowed inside a JSON literal");
  }
}

/** A variable's JSON may nest as deep as its 1 MB body allows; what walks it later recurses. */
function bounded(value: unknown): unknown {
  if (nestsDeeperThan(value, MAX_NESTING))
    throw badUserInput(`a JSON value may nest at most ${MAX_NESTING} levels deep`);
  return value;
}

builder.scalarType("JSON", {
  description: `Any JSON value, nested at most ${MAX_NESTING} levels deep.`,
  serialize: (value) => value,
  parseValue: bounded,
  parseLiteral: (node) => bounded(literal(node)),
});

builder.scalarType("File", {
  description: "A file sent as a GraphQL multipart request part.",
  serialize: () => {
    throw new Error("File is an input-only scalar");
  },
});
