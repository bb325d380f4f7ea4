import type { Updateable } from "kysely";
import { sql } from "kysely";
import type {
  CampaignChannel,
  CampaignRow,
  CampaignStatus,
  CampaignsTable,
} from "../../db/types.js";
import { MAX_BODY, MAX_SUBJECT, tooLong } from "../bounds.js";
import { type Context, isSandbox, type Queryable } from "../context.js";
import { Conflict, type Issue, NotFound, Validation } from "../errors.js";
import { applyPage, type Page } from "../page.js";
import { internalIdsOf } from "./audience.js";
import { lockCampaign, unschedule } from "./send.js";
import { changeStatus, removeFanOutJob } from "./status.js";

// A campaign is a send to lists and tags. Only a draft can be edited or deleted; editing a
// scheduled one returns it to draft (its schedule is dropped, as a cancel would). Once sending,
// what it sends and to whom is fixed.

export const CAMPAIGN_CHANNELS = ["email", "sms", "whatsapp"] as const satisfies CampaignChannel[];
export const CAMPAIGN_STATUSES = [
  "draft",
  "scheduled",
  "sending",
  "completed",
  "failed",
] as const satisfies CampaignStatus[];

const NAME_MAX = 200;

export interface CampaignInput {
  name?: string | null;
  channel?: CampaignChannel | null;
  subject?: string | null;
  body?: string | null;
  /** Public ids of the account's lists. */
  listIds?: readonly string[] | null;
  /** Public ids of the account's tags. */
  tagIds?: readonly string[] | null;
  scheduledAt?: Date | null;
  /** Public id of the account's template it sends; null clears it (it sends its own body). */
  templateId?: string | null;
  /** The template's variables (position or name) → a value, which may hold {{named}} ones. */
  variables?: Readonly<Record<string, string>> | null;
}

const VARIABLE_NAME = /^[\p{L}\p{N}_.-]{1,64}$/u;
const VARIABLES_MAX = 100;
const VARIABLE_VALUE_MAX = 1024;

export interface CampaignFilter {
  status?: CampaignStatus | null;
  /** Created at or after this instant. */
  createdAfter?: Date | null;
  /** Created strictly before this instant. */
  createdBefore?: Date | null;
}

function nameIssue(name: string | null | undefined): Issue | null {
  const trimmed = name?.trim() ?? "";
  if (!trimmed) return { path: ["name"], message: "name is required" };
  if (trimmed.length > NAME_MAX)
    return { path: ["name"], message: `name may be at most ${NAME_MAX} characters` };
  return null;
}

/** Every problem of the input's texts at once; a name is checked when sent or when `creating`. */
function checkTexts(input: CampaignInput, creating: boolean): void {
  const issues: Issue[] = [];
  const name = creating || input.name !== undefined ? nameIssue(input.name) : null;
  if (name) issues.push(name);
  if ((input.subject?.trim().length ?? 0) > MAX_SUBJECT)
    issues.push({ path: ["subject"], message: tooLong(MAX_SUBJECT) });
  if ((input.body?.length ?? 0) > MAX_BODY)
    issues.push({ path: ["body"], message: tooLong(MAX_BODY) });
  const given: unknown = input.variables ?? {};
  const isObject = typeof given === "object" && given !== null && !Array.isArray(given);
  if (!isObject)
    issues.push({ path: ["variables"], message: "variables is an object of name → text" });
  const variables = isObject ? Object.entries(given) : [];
  if (variables.length > VARIABLES_MAX)
    issues.push({ path: ["variables"], message: `at most ${VARIABLES_MAX} variables` });
  for (const [name, value] of variables) {
    if (!VARIABLE_NAME.test(name))
      issues.push({
        path: ["variables", name],
        message: "a variable is named by its position (1, 2…) or a field's name",
      });
    else if (
      typeof value !== "string" ||
      value.length > VARIABLE_VALUE_MAX ||
      value.includes("\u0000")
    )
      issues.push({
        path: ["variables", name],
        message: `a value is a text of at most ${VARIABLE_VALUE_MAX} characters`,
      });
  }
  if (issues.length > 0) throw new Validation(issues);
}

/** The columns an input sets; a field left out (undefined) is left as it is. */
async function columnsOf(
  trx: Queryable,
  ctx: Context,
  input: CampaignInput,
): Promise<Updateable<CampaignsTable>> {
  const columns: Updateable<CampaignsTable> = {};
  if (input.name != null) columns.name = input.name.trim();
  // channel, listIds and tagIds cannot be empty: null there means "unchanged", like undefined.
  if (input.channel != null) columns.channel = input.channel;
  if (input.subject !== undefined) columns.subject = input.subject?.trim() || null;
  if (input.body !== undefined) columns.body = input.body || null;
  if (input.scheduledAt !== undefined) columns.scheduled_at = input.scheduledAt;
  if (input.listIds != null)
    columns.list_ids = await internalIdsOf(trx, ctx, "lists", input.listIds);
  if (input.tagIds != null) columns.tag_ids = await internalIdsOf(trx, ctx, "tags", input.tagIds);
  if (input.variables !== undefined) columns.variables = JSON.stringify(input.variables ?? {});
  if (input.templateId !== undefined)
    columns.template_id =
      input.templateId === null ? null : await templateIdOf(trx, ctx, input.templateId);
  return columns;
}

/** The internal id of the account's template; another account's is NotFound. */
async function templateIdOf(trx: Queryable, ctx: Context, publicId: string): Promise<string> {
  const row = await trx
    .selectFrom("templates")
    .select("id")
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "=", publicId)
    .executeTakeFirst();
  if (!row) throw new NotFound("Template", publicId);
  return row.id;
}

export async function createCampaign(ctx: Context, input: CampaignInput): Promise<CampaignRow> {
  checkTexts(input, true);
  const name = (input.name as string).trim();
  return ctx.db.transaction().execute(async (trx) => {
    const columns = await columnsOf(trx, ctx, { ...input, name });
    return trx
      .insertInto("campaigns")
      .values({ ...columns, name, account_id: ctx.account.id, sandbox: isSandbox(ctx) })
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** The campaign, locked until the transaction ends, if it is still a draft. */
async function lockDraft(trx: Queryable, ctx: Context, publicId: string): Promise<CampaignRow> {
  const campaign = await trx
    .selectFrom("campaigns")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "=", publicId)
    .forUpdate()
    .executeTakeFirst();
  if (!campaign) throw new NotFound("Campaign", publicId);
  if (campaign.status !== "draft") {
    throw new Conflict(`only a draft campaign can change; this one is ${campaign.status}`);
  }
  return campaign;
}

export async function updateCampaign(
  ctx: Context,
  publicId: string,
  input: CampaignInput,
): Promise<CampaignRow> {
  checkTexts(input, false);
  return ctx.db.transaction().execute(async (trx) => {
    const campaign = await lockCampaign(trx, ctx, publicId);
    if (campaign.status !== "draft" && campaign.status !== "scheduled")
      throw new Conflict(`only a draft campaign can change; this one is ${campaign.status}`);
    const columns = await columnsOf(trx, ctx, input);
    if (campaign.status === "scheduled") {
      if (Object.keys(columns).length === 0) return unschedule(trx, ctx, campaign);
      await removeFanOutJob(trx, campaign.id);
      return changeStatus(trx, ctx.jobs, campaign, "draft", {
        scheduled_at: null,
        ...columns,
      });
    }
    if (Object.keys(columns).length === 0) return campaign;
    return trx
      .updateTable("campaigns")
      .set({ ...columns, updated_at: sql`now()` })
      .where("account_id", "=", ctx.account.id)
      .where("id", "=", campaign.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

export async function deleteCampaign(ctx: Context, publicId: string): Promise<CampaignRow> {
  return ctx.db.transaction().execute(async (trx) => {
    const campaign = await lockDraft(trx, ctx, publicId);
    await trx
      .deleteFrom("campaigns")
      .where("account_id", "=", ctx.account.id)
      .where("id", "=", campaign.id)
      .execute();
    return campaign;
  });
}

export function campaignsByPublicId(
  ctx: Context,
  publicIds: readonly string[],
): Promise<CampaignRow[]> {
  if (publicIds.length === 0) return Promise.resolve([]);
  return ctx.db
    .selectFrom("campaigns")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "in", publicIds)
    .execute();
}

export async function getCampaign(ctx: Context, publicId: string): Promise<CampaignRow> {
  const [row] = await campaignsByPublicId(ctx, [publicId]);
  if (!row) throw new NotFound("Campaign", publicId);
  return row;
}

function filtered(ctx: Context, filter: CampaignFilter) {
  let query = ctx.db.selectFrom("campaigns").where("campaigns.account_id", "=", ctx.account.id);
  if (filter.status) query = query.where("status", "=", filter.status);
  if (filter.createdAfter) query = query.where("created_at", ">=", filter.createdAfter);
  if (filter.createdBefore) query = query.where("created_at", "<", filter.createdBefore);
  return query;
}

export function pageCampaigns(
  ctx: Context,
  filter: CampaignFilter,
  page: Page,
): Promise<CampaignRow[]> {
  return applyPage(filtered(ctx, filter).selectAll(), "campaigns.id", page).execute();
}

export async function countCampaigns(ctx: Context, filter: CampaignFilter): Promise<number> {
  const row = await filtered(ctx, filter)
    .select((eb) => eb.fn.countAll<string>().as("count"))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
