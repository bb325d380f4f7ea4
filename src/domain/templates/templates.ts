import { sql } from "kysely";
import type { TemplateRow, TemplateStatus } from "../../db/types.js";
import { type Context, isSandbox, type Queryable } from "../context.js";
import { Conflict, NotFound, Validation, violatedUniqueIndex } from "../errors.js";
import { containing } from "../like.js";
import { applyPage, type Page } from "../page.js";
import { describeProblem, textProblem } from "../text.js";
import { checkTemplate, type TemplateFields, type TemplateInput } from "./input.js";
import { emitStatusChanged } from "./provider-status.js";
import { type TemplateSettings, templateSettings } from "./settings.js";
import {
  DELETE_ATTEMPTS,
  DELETE_WHATSAPP_TEMPLATE_TASK,
  type WhatsAppDeletion,
} from "./whatsapp-delete.js";

// A template's life. SMS and email templates are approved at creation: nobody reviews them. A
// WhatsApp one is a draft until submitted (submit.ts) and reviewed. An edit of a WhatsApp template
// that changes it is a draft again: what was reviewed is no longer what would be sent. One under
// review (pending) cannot change until the answer comes.

export interface TemplateFilter {
  channel?: string | null;
  status?: TemplateStatus | null;
  /** Part of the name, any case. */
  name?: string | null;
}

function duplicate(fields: TemplateFields): Conflict {
  return new Conflict(
    `a ${fields.channel} template named "${fields.name}" in ${fields.language} already exists`,
  );
}

/** Runs a write that may hit the unique name: that index's violation is a Conflict. */
async function uniqueName<T>(fields: TemplateFields, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (violatedUniqueIndex(error) === "templates_name") throw duplicate(fields);
    throw error;
  }
}

export async function createTemplate(ctx: Context, input: TemplateInput): Promise<TemplateRow> {
  const { issues, fields } = checkTemplate(input);
  if (issues.length > 0) throw new Validation(issues);
  return uniqueName(fields, () =>
    ctx.db
      .insertInto("templates")
      .values({
        ...fields,
        samples: JSON.stringify(fields.samples),
        account_id: ctx.account.id,
        status: fields.channel === "whatsapp" ? "draft" : "approved",
        sandbox: isSandbox(ctx),
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
  );
}

export async function getTemplate(ctx: Context, publicId: string): Promise<TemplateRow> {
  const row = await ctx.db
    .selectFrom("templates")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "=", publicId)
    .executeTakeFirst();
  if (!row) throw new NotFound("Template", publicId);
  return row;
}

/** The account's template, locked until the transaction ends (NotFound if it has none). */
export async function lockTemplate(
  trx: Queryable,
  ctx: Context,
  publicId: string,
): Promise<TemplateRow> {
  const row = await trx
    .selectFrom("templates")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "=", publicId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new NotFound("Template", publicId);
  return row;
}

/** Templates by public id, in the order asked (null where none), for GraphQL's node loads. */
export async function getTemplates(
  ctx: Context,
  publicIds: readonly string[],
): Promise<(TemplateRow | null)[]> {
  if (publicIds.length === 0) return [];
  const rows = await ctx.db
    .selectFrom("templates")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "in", publicIds)
    .execute();
  const byId = new Map(rows.map((row) => [row.public_id, row]));
  return publicIds.map((id) => byId.get(id) ?? null);
}

function filtered(ctx: Context, filter: TemplateFilter) {
  // Postgres refuses a NUL in text: such a name matches nothing it could store, but says so.
  const problem = filter.name ? textProblem(filter.name) : null;
  if (problem) throw Validation.of(["name"], describeProblem(problem));
  let query = ctx.db.selectFrom("templates").where("account_id", "=", ctx.account.id);
  if (filter.channel) query = query.where("channel", "=", filter.channel as TemplateRow["channel"]);
  if (filter.status) query = query.where("status", "=", filter.status);
  if (filter.name) query = query.where("name", "ilike", containing(filter.name));
  return query;
}

/** The account's templates that match, oldest first, by keyset. */
export function pageTemplates(
  ctx: Context,
  filter: TemplateFilter,
  page: Page,
): Promise<TemplateRow[]> {
  return applyPage(filtered(ctx, filter).selectAll(), "id", page).execute();
}

export async function countTemplates(ctx: Context, filter: TemplateFilter): Promise<number> {
  const { count } = await filtered(ctx, filter)
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(count);
}

function sameContent(row: TemplateRow, fields: TemplateFields): boolean {
  return (
    row.name === fields.name &&
    row.language === fields.language &&
    row.category === fields.category &&
    row.subject === fields.subject &&
    row.body === fields.body &&
    sortedJson(row.samples) === sortedJson(fields.samples)
  );
}

/** jsonb keeps keys in its own order: compare samples by sorted entries. */
function sortedJson(samples: unknown): string {
  return JSON.stringify(Object.entries(samples as Record<string, string>).sort());
}

/**
 * Replaces the template's content (a full update: what is left out takes its default). A pending
 * template is a Conflict; a WhatsApp template whose content changes becomes a draft again, and
 * one renamed loses its provider id (WhatsApp cannot rename a template: it is a new one there).
 */
export async function updateTemplate(
  ctx: Context,
  publicId: string,
  input: TemplateInput,
): Promise<TemplateRow> {
  return ctx.db.transaction().execute(async (trx) => {
    const current = await lockTemplate(trx, ctx, publicId);
    const { issues, fields } = checkTemplate(input, current);
    if (issues.length > 0) throw new Validation(issues);
    if (current.status === "pending")
      throw new Conflict("the template is under review (pending): it can change once reviewed");
    if (sameContent(current, fields)) return current;
    const whatsapp = current.channel === "whatsapp";
    const renamed = current.name !== fields.name || current.language !== fields.language;
    const status: TemplateStatus = whatsapp ? "draft" : current.status;
    const row = await uniqueName(fields, () =>
      trx
        .updateTable("templates")
        .set({
          ...fields,
          samples: JSON.stringify(fields.samples),
          status,
          status_reason: whatsapp ? null : current.status_reason,
          provider_template_id: whatsapp && renamed ? null : current.provider_template_id,
          status_changed_at: status === current.status ? current.status_changed_at : sql`now()`,
          updated_at: sql`now()`,
        })
        .where("id", "=", current.id)
        .returningAll()
        .executeTakeFirstOrThrow(),
    );
    if (status !== current.status) await emitStatusChanged(trx, ctx.jobs, row, current.status);
    return row;
  });
}

/**
 * Deletes the template. One a campaign sends is a Conflict (the campaign would lose what it
 * sends); messages already sent keep their text. One WhatsApp has (its id, WhatsApp configured)
 * is deleted there by a job added in the same transaction: the caller does not wait for WhatsApp,
 * and the job exists only if the row is gone. Whichever key deletes it: the row is gone for both.
 */
export async function deleteTemplate(
  ctx: Context,
  publicId: string,
  settings: TemplateSettings = templateSettings(),
): Promise<TemplateRow> {
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const row = await trx
        .deleteFrom("templates")
        .where("account_id", "=", ctx.account.id)
        .where("public_id", "=", publicId)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw new NotFound("Template", publicId);
      if (row.provider_template_id !== null && !row.sandbox && settings.whatsapp)
        await ctx.jobs.add(
          trx,
          DELETE_WHATSAPP_TEMPLATE_TASK,
          {
            providerTemplateId: row.provider_template_id,
            name: row.name,
            templateId: row.public_id,
          } satisfies WhatsAppDeletion,
          { maxAttempts: DELETE_ATTEMPTS },
        );
      return row;
    });
  } catch (error) {
    // ON DELETE RESTRICT answers restrict_violation (23001), not the usual 23503.
    if ((error as { constraint?: unknown }).constraint === "campaigns_template_id_fkey")
      throw new Conflict("a campaign uses this template: change or delete the campaign first");
    throw error;
  }
}
