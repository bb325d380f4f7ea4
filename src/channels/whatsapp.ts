import { type Channel, type OutboundMessage, ProviderError, type SendResult } from "./channel.js";

// WhatsApp through the Cloud API's HTTP shape: POST {base}/{phone-number-id}/messages with a
// bearer token. A template send names the approved template, its language and the positional
// values of its body; any other is free text (WhatsApp takes it only within 24 hours of the
// contact's last message, and refuses it with a 4xx otherwise: the message fails with that).

export interface WhatsAppSettings {
  /** e.g. https://graph.facebook.com/v21.0 (tests: a local server speaking the same shape). */
  apiUrl: string;
  phoneNumberId: string;
  token: string;
  timeoutMs: number;
}

export function whatsappRequestBody(message: OutboundMessage): Record<string, unknown> {
  const base = { messaging_product: "whatsapp", recipient_type: "individual", to: message.to };
  if (message.template) {
    const { name, language, parameters } = message.template;
    return {
      ...base,
      type: "template",
      template: {
        name,
        language: { code: language },
        components:
          parameters.length === 0
            ? []
            : [{ type: "body", parameters: parameters.map((text) => ({ type: "text", text })) }],
      },
    };
  }
  return { ...base, type: "text", text: { preview_url: false, body: message.body } };
}

/** The Cloud API's error text ({error: {message, code}}), or the HTTP status alone. */
async function errorText(response: Response): Promise<string> {
  const raw = await response.text().catch(() => "");
  try {
    const body = JSON.parse(raw) as { error?: { message?: unknown; code?: unknown } };
    if (typeof body.error?.message === "string") {
      const code = body.error.code === undefined ? "" : ` (code ${String(body.error.code)})`;
      return `WhatsApp answered ${response.status}: ${body.error.message}${code}`;
    }
  } catch {}
  return `WhatsApp answered ${response.status}`;
}

export function whatsappChannel(settings: WhatsAppSettings): Channel {
  const url = `${settings.apiUrl.replace(/\/+$/, "")}/${encodeURIComponent(settings.phoneNumberId)}/messages`;
  return {
    async send(message: OutboundMessage): Promise<SendResult> {
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: {
            authorization: `Bearer ${settings.token}`,
            "content-type": "application/json",
          },
          body: JSON.stringify(whatsappRequestBody(message)),
          signal: AbortSignal.timeout(settings.timeoutMs),
        });
      } catch (error) {
        const timedOut = error instanceof DOMException && error.name === "TimeoutError";
        throw new ProviderError(
          timedOut
            ? `WhatsApp did not answer within ${settings.timeoutMs / 1000} s`
            : `WhatsApp unreachable: ${error instanceof Error ? error.message : String(error)}`,
          true,
        );
      }
      // Too many requests and server errors pass with time; other refusals are about the message.
      if (!response.ok) {
        throw new ProviderError(
          await errorText(response),
          response.status >= 500 || response.status === 429,
        );
      }
      let id: unknown;
      try {
        const body = (await response.json()) as { messages?: { id?: unknown }[] };
        id = body.messages?.[0]?.id;
      } catch (error) {
        // The answer was cut: whether WhatsApp took the message is unknown, so it is tried again.
        throw new ProviderError(`WhatsApp's answer could not be read: ${String(error)}`, true);
      }
      if (typeof id !== "string" || id === "")
        throw new ProviderError("WhatsApp's answer names no message id", false);
      return { providerMessageId: id };
    },
  };
}
