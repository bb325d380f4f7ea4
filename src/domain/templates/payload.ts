import type { TemplateRow } from "../../db/types.js";
import { variablesIn } from "./variables.js";

/** A template as webhook events (template.*) and botbat show it, with its public id. */
export function templateData(row: TemplateRow): Record<string, unknown> {
  return {
    id: row.public_id,
    channel: row.channel,
    name: row.name,
    language: row.language,
    category: row.category,
    subject: row.subject,
    body: row.body,
    variables: variablesIn(`${row.subject ?? ""} ${row.body}`),
    samples: row.samples,
    status: row.status,
    status_reason: row.status_reason,
    provider_template_id: row.provider_template_id,
    sandbox: row.sandbox,
    submitted_at: row.submitted_at?.toISOString() ?? null,
    status_changed_at: row.status_changed_at.toISOString(),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** template.status_changed: the template as it is now, and the status it left. */
export function templateStatusChangedData(
  row: TemplateRow,
  previousStatus: string,
): Record<string, unknown> {
  return { template: templateData(row), previous_status: previousStatus };
}
