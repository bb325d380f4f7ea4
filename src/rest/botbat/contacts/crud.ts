import { createRoute } from "@hono/zod-openapi";
import type { Context } from "../../../domain/context.js";
import { loadFields } from "../../../domain/fields/read.js";
import {
  createContact,
  replaceContact,
  type WrittenContact,
} from "../../../domain/subscribers/contact-write.js";
import { getContact } from "../../../domain/subscribers/keyset.js";
import { deleteSubscriber } from "../../../domain/subscribers/write.js";
import type { AppDeps } from "../../../http/deps.js";
import { unstorableFields } from "../../kit/body.js";
import { endpoint } from "../endpoint.js";
import { fieldPath, validationFailed } from "../errors.js";
import type { BotbatApp } from "../routes.js";
import { errorResponses } from "../schemas.js";
import { type ContactBody, contactBody, contactSchema, idParam } from "./schemas.js";
import { contactInput, contactOut } from "./serialize.js";

// POST /v1/contacts, GET, PUT and DELETE /v1/contacts/{id}.

const jsonBody = {
  required: true,
  content: { "application/json": { schema: contactBody } },
} as const;

const oneContact = (description: string) => ({
  description,
  content: { "application/json": { schema: contactSchema } },
});

/** A body's strings that Postgres cannot store (NUL, lone surrogates): 422 before any write. */
function storable(body: ContactBody): ContactBody {
  const problems = unstorableFields(body, fieldPath);
  if (problems.length > 0) throw validationFailed(problems);
  return body;
}

async function written(ctx: Context, result: WrittenContact) {
  const fields = await loadFields(ctx);
  const tag_names = result.tags.map((tag) => tag.name);
  return contactOut({ ...result.subscriber, tag_names }, fields);
}

export function registerContactCrud(app: BotbatApp, deps: AppDeps): void {
  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/contacts",
      summary: "Create a contact",
      description:
        "A contact needs an email, unique in the account in any case (409 when another contact has it).",
      tags: ["Contacts"],
      middleware: endpoint(deps, { scope: "subscribers:write", limit: "contacts.create" }),
      request: { body: jsonBody },
      responses: {
        201: oneContact("The contact created"),
        ...errorResponses(400, 401, 403, 409, 413, 422, 429),
      },
    }),
    async (c) => {
      const ctx = c.get("domain");
      const body = storable(c.req.valid("json"));
      const result = await createContact(ctx, contactInput(body));
      return c.json(await written(ctx, result), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/contacts/{id}",
      summary: "Get contact details",
      tags: ["Contacts"],
      middleware: endpoint(deps, {
        scope: "subscribers:read",
        limit: "contacts.get",
        body: "none",
      }),
      request: { params: idParam },
      responses: { 200: oneContact("The contact"), ...errorResponses(401, 403, 404, 429) },
    }),
    async (c) => {
      const ctx = c.get("domain");
      const [row, fields] = await Promise.all([
        getContact(ctx, c.req.valid("param").id),
        loadFields(ctx),
      ]);
      return c.json(contactOut(row, fields), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/v1/contacts/{id}",
      summary: "Update a contact",
      description:
        "A full update: fields absent from the body are cleared (name, phone), tags and properties are replaced by the ones sent; the status changes only when one is sent.",
      tags: ["Contacts"],
      middleware: endpoint(deps, { scope: "subscribers:write", limit: "contacts.update" }),
      request: { params: idParam, body: jsonBody },
      responses: {
        200: oneContact("The contact as it now is"),
        ...errorResponses(400, 401, 403, 404, 409, 413, 422, 429),
      },
    }),
    async (c) => {
      const ctx = c.get("domain");
      const body = storable(c.req.valid("json"));
      const result = await replaceContact(ctx, c.req.valid("param").id, contactInput(body));
      return c.json(await written(ctx, result), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/v1/contacts/{id}",
      summary: "Delete a contact",
      description: "Deletes the contact with its tags and segment memberships; answers 204.",
      tags: ["Contacts"],
      middleware: endpoint(deps, {
        scope: "subscribers:write",
        limit: "contacts.delete",
        body: "none",
      }),
      request: { params: idParam },
      responses: { 204: { description: "Deleted" }, ...errorResponses(401, 403, 404, 429) },
    }),
    async (c) => {
      await deleteSubscriber(c.get("domain"), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
}
