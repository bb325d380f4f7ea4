import type { WhatsAppTemplateApi } from "./settings.js";
import { providerReason } from "./whatsapp-review.js";

// A template deleted here is deleted at WhatsApp too, or the business account fills with
// templates nobody can see and WhatsApp refuses a new one of the same name and language. The row
// is gone by the time a job calls the Cloud API, so the job carries what the call needs: Meta's
// form `DELETE {base}/{waba-id}/message_templates?hsm_id={id}&name={name}` deletes that one
// template (by name alone it would delete every language of it).

export const DELETE_WHATSAPP_TEMPLATE_TASK = "delete-whatsapp-template";
/** Tries for a Cloud API that does not answer: graphile-worker's backoff spans ~16 hours. */
export const DELETE_ATTEMPTS = 12;

export interface WhatsAppDeletion {
  /** WhatsApp's id of the template (hsm_id). */
  providerTemplateId: string;
  name: string;
  /** Our public id, for the logs only (the row no longer exists). */
  templateId: string;
}

export type DeletionAnswer =
  /** Deleted, or WhatsApp no longer had it (404). */
  | { kind: "deleted" }
  /** WhatsApp refused (another 4xx): the reason it gave. Asking again would not help. */
  | { kind: "refused"; reason: string }
  /** No answer, or one worth retrying (429, 5xx): the reason. */
  | { kind: "failed"; reason: string };

export function deletionUrl(api: WhatsAppTemplateApi, deletion: WhatsAppDeletion): string {
  const query = new URLSearchParams({ hsm_id: deletion.providerTemplateId, name: deletion.name });
  return `${api.apiUrl}/${encodeURIComponent(api.businessAccountId)}/message_templates?${query}`;
}

/** Deletes the template at WhatsApp; never throws for what the provider answers. */
export async function deleteAtWhatsApp(
  api: WhatsAppTemplateApi,
  deletion: WhatsAppDeletion,
): Promise<DeletionAnswer> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(deletionUrl(api, deletion), {
      method: "DELETE",
      headers: { authorization: `Bearer ${api.token}` },
      signal: AbortSignal.timeout(api.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    return { kind: "failed", reason: `WhatsApp could not be reached: ${(error as Error).message}` };
  }
  if (response.ok || response.status === 404) return { kind: "deleted" };
  if (response.status === 429 || response.status >= 500)
    return { kind: "failed", reason: providerReason(response.status, text) };
  return { kind: "refused", reason: providerReason(response.status, text) };
}
