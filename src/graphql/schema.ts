import { lexicographicSortSchema } from "graphql";
import { builder } from "./builder.js";
import "./scalars.js";
import "./errors.js";
import "./accounts.js";

export const schema = lexicographicSortSchema(builder.toSchema());
