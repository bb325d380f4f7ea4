import type { TemplateRow } from "../../db/types.js";
import type { WhatsAppTemplateApi } from "./settings.js";
import { isPositional, variablesIn } from "./variables.js";

// A template sent to WhatsApp's review through the Cloud API's shape: a new one is created under
// the business account (`POST {base}/{waba-id}/message_templates`), one WhatsApp already has is
// edited in place (`POST {base}/{template-id}`), which sends it back to review. The body is the
// one component; its example values are the template's samples, in order for positional
// variables, by name for named ones (parameter_format NAMED).

export type ReviewAnswer =
  /** WhatsApp took it: its id, and the status it gave (PENDING mostly; APPROVED at times). */
  | { kind: "accepted"; providerTemplateId: string; status: string | null }
  /** WhatsApp refused it (a 4xx): the reason it gave. Sending it again would not help. */
  | { kind: "refused"; reason: string }
  /** No answer, or one worth retrying (429, 5xx): the reason. */
  | { kind: "failed"; reason: string };

/** The request's JSON body, as the Cloud API reads it. */
export function reviewRequestBody(row: TemplateRow, editing: boolean): Record<string, unknown> {
  const variables = variablesIn(row.body);
  const samples = row.samples as Record<string, string>;
  const named = variables.length > 0 && !variables.every(isPositional);
  const body: Record<string, unknown> = { type: "BODY", text: row.body };
  if (variables.length > 0)
    body.example = named
      ? {
          body_text_named_params: variables.map((name) => ({
            param_name: name,
            example: samples[name],
          })),
        }
      : {
          body_text: [
            [...variables].sort((a, b) => Number(a) - Number(b)).map((name) => samples[name]),
          ],
        };
  const category = row.category?.toUpperCase();
  if (editing) return { category, components: [body] };
  return {
    name: row.name,
    language: row.language,
    category,
    parameter_format: named ? "NAMED" : "POSITIONAL",
    components: [body],
  };
}

/** WhatsApp's reason for an answer that is not a success, as a template's status_reason reads it. */
export function providerReason(status: number, text: string): string {
  try {
    const { error } = JSON.parse(text) as {
      error?: { message?: string; error_user_msg?: string; error_user_title?: string };
    };
    const said = error?.error_user_msg ?? error?.message;
    if (said) return `WhatsApp answered ${status}: ${said}`.slice(0, 1000);
  } catch {
    // Not JSON: the status says enough.
  }
  return `WhatsApp answered ${status}`;
}

/** Submits (or resubmits) the template; never throws for what the provider answers. */
export async function submitForReview(
  api: WhatsAppTemplateApi,
  row: TemplateRow,
): Promise<ReviewAnswer> {
  const editing = row.provider_template_id !== null;
  const url = editing
    ? `${api.apiUrl}/${encodeURIComponent(row.provider_template_id ?? "")}`
    : `${api.apiUrl}/${encodeURIComponent(api.businessAccountId)}/message_templates`;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${api.token}`, "content-type": "application/json" },
      body: JSON.stringify(reviewRequestBody(row, editing)),
      signal: AbortSignal.timeout(api.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    return { kind: "failed", reason: `WhatsApp could not be reached: ${(error as Error).message}` };
  }
  if (response.status === 429 || response.status >= 500)
    return { kind: "failed", reason: providerReason(response.status, text) };
  if (!response.ok) return { kind: "refused", reason: providerReason(response.status, text) };
  if (editing)
    return { kind: "accepted", providerTemplateId: row.provider_template_id ?? "", status: null };
  try {
    const answer = JSON.parse(text) as { id?: unknown; status?: unknown };
    if (typeof answer.id === "string" || typeof answer.id === "number")
      return {
        kind: "accepted",
        providerTemplateId: String(answer.id),
        status: typeof answer.status === "string" ? answer.status : null,
      };
  } catch {
    // Falls through: an answer without an id is a failure to retry.
  }
  return { kind: "failed", reason: "WhatsApp's answer had no template id" };
}
