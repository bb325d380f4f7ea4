import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { templateSettingsFromConfig } from "../../src/domain/templates/settings.js";

// Which way a submitted WhatsApp template goes, as the environment decides it at start.

const settingsOf = (env: Record<string, string>) => templateSettingsFromConfig(loadConfig(env));

describe("template settings from the environment", () => {
  it("with nothing set: the sandbox reviews in 10 s, outside production", () => {
    expect(settingsOf({})).toEqual({
      whatsapp: null,
      sandboxApprovalMs: 10_000,
      production: false,
    });
  });

  it("with a token and a business account: Meta's Cloud API unless another base URL is given", () => {
    const env = {
      WHATSAPP_TOKEN: "t",
      WHATSAPP_BUSINESS_ACCOUNT_ID: "102030",
      NODE_ENV: "production",
    };
    expect(settingsOf(env)).toMatchObject({
      whatsapp: {
        apiUrl: "https://graph.facebook.com/v21.0",
        token: "t",
        businessAccountId: "102030",
      },
      production: true,
    });
    expect(
      settingsOf({ ...env, WHATSAPP_API_URL: "http://127.0.0.1:9/v21.0/" }).whatsapp?.apiUrl,
    ).toBe("http://127.0.0.1:9/v21.0");
    // A token alone names no business account to create templates under.
    expect(settingsOf({ WHATSAPP_TOKEN: "t" }).whatsapp).toBeNull();
  });

  it("refuses a bad delay or account id at start", () => {
    expect(() => settingsOf({ SANDBOX_TEMPLATE_APPROVAL_SECONDS: "-1" })).toThrow(
      /SANDBOX_TEMPLATE_APPROVAL_SECONDS/,
    );
    expect(() => settingsOf({ WHATSAPP_BUSINESS_ACCOUNT_ID: "abc" })).toThrow(
      /WHATSAPP_BUSINESS_ACCOUNT_ID/,
    );
    expect(settingsOf({ SANDBOX_TEMPLATE_APPROVAL_SECONDS: "0" }).sandboxApprovalMs).toBe(0);
  });
});
