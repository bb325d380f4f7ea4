import type { CampaignRow, CustomFieldRow, SubscriberRow, TemplateRow } from "../../db/types.js";
import type { Queryable } from "../context.js";
import { Conflict, type Issue, Validation } from "../errors.js";
import { recipientValues, renderText, valuesFor } from "../templates/variables.js";

// What a campaign sends: its template (with the campaign's variables) or its own subject and body,
// rendered for each recipient. Whether it can be sent is decided once, at send (and again when a
// schedule comes due): a subscriber's named values always exist (empty text when unset), so a
// text that renders for a subscriber with no field set renders for every subscriber.

export type FieldNames = Pick<CustomFieldRow, "id" | "name" | "merge_tag">[];

export interface Content {
  template: TemplateRow | null;
  subject: string | null;
  body: string;
  variables: Record<string, string>;
}

export function loadFields(db: Queryable, accountId: string): Promise<FieldNames> {
  return db
    .selectFrom("custom_fields")
    .select(["id", "name", "merge_tag"])
    .where("account_id", "=", accountId)
    .execute();
}

export function loadTemplate(
  db: Queryable,
  campaign: CampaignRow,
): Promise<TemplateRow | undefined> {
  if (campaign.template_id === null) return Promise.resolve(undefined);
  return db
    .selectFrom("templates")
    .selectAll()
    .where("account_id", "=", campaign.account_id)
    .where("id", "=", campaign.template_id)
    .executeTakeFirst();
}

const NOBODY = {
  email: null,
  first_name: null,
  last_name: null,
  phone: null,
  company: null,
  job_title: null,
  country: null,
  address: null,
  website: null,
  postal_code: null,
  timezone: null,
  custom_values: {},
} as unknown as SubscriberRow;

/**
 * What the campaign sends, or why it cannot be sent: 422 for what the campaign itself lacks (a
 * text, an audience, a value for a variable), 409 for a template not approved (yet).
 */
export async function contentToSend(db: Queryable, campaign: CampaignRow): Promise<Content> {
  const issues: Issue[] = [];
  const template = (await loadTemplate(db, campaign)) ?? null;
  if (campaign.list_ids.length === 0 && campaign.tag_ids.length === 0)
    issues.push({ path: ["listIds"], message: "the campaign has no audience: give lists or tags" });
  if (template) {
    if (template.channel !== campaign.channel)
      issues.push({
        path: ["templateId"],
        message: `the template is for ${template.channel}, the campaign for ${campaign.channel}`,
      });
  } else if (campaign.channel === "whatsapp") {
    issues.push({
      path: ["templateId"],
      message: "a WhatsApp campaign sends an approved template",
    });
  } else if (!campaign.body?.trim()) {
    issues.push({ path: ["body"], message: "a campaign needs a template or a body to be sent" });
  }
  const subject = template ? template.subject : campaign.subject;
  if (campaign.channel === "email" && !subject?.trim() && (template || campaign.body?.trim()))
    issues.push({
      path: [template ? "templateId" : "subject"],
      message: "an email campaign needs a subject",
    });
  const content: Content = {
    template,
    subject: campaign.channel === "email" ? (subject ?? null) : null,
    body: template?.body ?? campaign.body ?? "",
    variables: campaign.variables as Record<string, string>,
  };
  if (issues.length === 0) {
    const missing = missingVariables(content, await loadFields(db, campaign.account_id));
    if (missing.length > 0)
      issues.push({
        path: ["variables"],
        message: `no value for ${missing.map((name) => `{{${name}}}`).join(", ")}`,
      });
  }
  if (issues.length > 0) throw new Validation(issues);
  if (template && template.status !== "approved")
    throw new Conflict(`the template is ${template.status}: only an approved template can be sent`);
  return content;
}

/** Variables no recipient could fill: positional ones not given, names that are no field. */
export function missingVariables(content: Content, fields: FieldNames): string[] {
  const named = recipientValues(NOBODY, fields);
  const missing = new Set<string>();
  for (const value of Object.values(content.variables))
    for (const name of renderText(value, named).missing) missing.add(name);
  const values = valuesFor(content.variables, named);
  for (const text of [content.subject ?? "", content.body])
    for (const name of renderText(text, values).missing) missing.add(name);
  return [...missing];
}

export interface Rendered {
  subject: string | null;
  body: string;
  /** The values of the given variables for this recipient, as the message keeps them. */
  variables: Record<string, string>;
  missing: string[];
}

/** The content for one recipient. */
export function renderFor(
  content: Content,
  subscriber: SubscriberRow,
  fields: FieldNames,
): Rendered {
  const values = valuesFor(content.variables, recipientValues(subscriber, fields));
  const body = renderText(content.body, values);
  const subject = content.subject === null ? null : renderText(content.subject, values);
  const variables: Record<string, string> = {};
  for (const name of Object.keys(content.variables))
    variables[name] = values[name.toLowerCase()] ?? "";
  return {
    subject: subject?.text ?? null,
    body: body.text,
    variables,
    missing: [...body.missing, ...(subject?.missing ?? [])],
  };
}
