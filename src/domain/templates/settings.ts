// Where WhatsApp templates go for review, for the whole process: set once at start from the
// configuration (WHATSAPP_* and SANDBOX_TEMPLATE_APPROVAL_SECONDS in src/config.ts), read by the
// API (which way a submission goes) and by the worker (the Cloud API call). Tests point it at a
// local server speaking the Cloud API's shape, or shorten the sandbox's delay.

export interface WhatsAppTemplateApi {
  /** A Cloud API version's root, e.g. https://graph.facebook.com/v21.0 (no trailing slash). */
  apiUrl: string;
  token: string;
  /** The WhatsApp Business Account whose message templates we create. */
  businessAccountId: string;
  /** How long the Cloud API has to answer a submission. */
  timeoutMs: number;
}

export interface TemplateSettings {
  /** null: no WhatsApp configured; submissions go to the sandbox (or are refused in production). */
  whatsapp: WhatsAppTemplateApi | null;
  /** How long after its submission the sandbox approves a template. */
  sandboxApprovalMs: number;
  /** In production a submission with no WhatsApp configured is refused, not faked. */
  production: boolean;
}

export const DEFAULT_TEMPLATE_SETTINGS: TemplateSettings = {
  whatsapp: null,
  sandboxApprovalMs: 10_000,
  production: false,
};

let current: TemplateSettings = DEFAULT_TEMPLATE_SETTINGS;

export function templateSettings(): TemplateSettings {
  return current;
}

/** Replaces the given settings (the rest stay the defaults). */
export function configureTemplates(settings: Partial<TemplateSettings>): void {
  current = { ...DEFAULT_TEMPLATE_SETTINGS, ...settings };
}

/** Meta's Cloud API, when WHATSAPP_API_URL is not set (as the channels default it). */
export const CLOUD_API_URL = "https://graph.facebook.com/v21.0";

/** The settings the configuration gives; WhatsApp needs its token and business account. */
export function templateSettingsFromConfig(config: {
  NODE_ENV?: string;
  WHATSAPP_API_URL?: string;
  WHATSAPP_TOKEN?: string;
  WHATSAPP_BUSINESS_ACCOUNT_ID?: string;
  SANDBOX_TEMPLATE_APPROVAL_SECONDS: number;
}): TemplateSettings {
  const { WHATSAPP_API_URL: apiUrl = CLOUD_API_URL, WHATSAPP_TOKEN: token } = config;
  const businessAccountId = config.WHATSAPP_BUSINESS_ACCOUNT_ID;
  return {
    whatsapp:
      token && businessAccountId
        ? { apiUrl: apiUrl.replace(/\/+$/, ""), token, businessAccountId, timeoutMs: 15_000 }
        : null,
    sandboxApprovalMs: config.SANDBOX_TEMPLATE_APPROVAL_SECONDS * 1000,
    production: config.NODE_ENV === "production",
  };
}
