import { lexicographicSortSchema } from "graphql";
import { builder } from "./builder.js";
import "./scalars.js";
import "./errors.js";
import "./accounts.js";
import "./subscribers.js";
import "./tags.js";
import "./fields.js";
import "./subscriber-mutations.js";
import "./lists.js";
import "./list-memberships.js";
import "./blocklist.js";
import "./campaigns.js";
import "./imports.js";
import "./webhooks.js";
import "./templates.js";
import "./subscriptions.js";

export const schema = lexicographicSortSchema(builder.toSchema());
