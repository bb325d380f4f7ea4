import { describe, expect, it } from "vitest";
import { channelSettingsFromConfig } from "../../src/channels/settings.js";
import { parseReceipt } from "../../src/channels/smpp.js";
import { ConfigError, loadConfig } from "../../src/config.js";

// What an operator sets for the channels: each provider is on only when all it needs is set, a
// bad value stops the start naming it, and production turns "no provider" into failed messages.

describe("channel configuration", () => {
  it("sends nowhere but the sandbox with nothing set, outside production", () => {
    const settings = channelSettingsFromConfig(loadConfig({}));
    expect(settings).toMatchObject({
      production: false,
      smpp: null,
      whatsapp: null,
      sandbox: { deliverySeconds: 1, readSeconds: 2 },
      retrySeconds: [15, 60, 300, 1200],
      concurrency: 10,
    });
    expect(channelSettingsFromConfig(loadConfig({ NODE_ENV: "production" })).production).toBe(true);
  });

  it("turns SMPP and WhatsApp on from their variables", () => {
    const settings = channelSettingsFromConfig(
      loadConfig({
        SMPP_URL: "smpp://gateway:secret@smsc.example.com:2775",
        SMPP_SOURCE_ADDR: "Acme",
        WHATSAPP_TOKEN: "EAAG",
        WHATSAPP_PHONE_NUMBER_ID: "1098765",
        PROVIDER_TIMEOUT_SECONDS: "5",
        MESSAGE_RETRY_SECONDS: "1,2",
      }),
    );
    expect(settings.smpp).toEqual({
      url: "smpp://gateway:secret@smsc.example.com:2775",
      sourceAddr: "Acme",
      timeoutMs: 5000,
    });
    expect(settings.whatsapp).toEqual({
      apiUrl: "https://graph.facebook.com/v21.0",
      phoneNumberId: "1098765",
      token: "EAAG",
      timeoutMs: 5000,
    });
    expect(settings.retrySeconds).toEqual([1, 2]);
    // A token without the phone number it sends from sends nothing through WhatsApp.
    expect(channelSettingsFromConfig(loadConfig({ WHATSAPP_TOKEN: "EAAG" })).whatsapp).toBeNull();
  });

  it("names each bad channel variable", () => {
    let message = "";
    try {
      loadConfig({
        SMPP_URL: "http://smsc.example.com",
        SMPP_SOURCE_ADDR: "A name far too long",
        MESSAGE_RETRY_SECONDS: "soon",
        SANDBOX_DELIVERY_SECONDS: "-1",
        SEND_CONCURRENCY: "0",
      });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/SMPP_URL="http:\/\/smsc.example.com": must be an smpp:\/\/ URL/);
    expect(message).toMatch(/SMPP_SOURCE_ADDR=.*must be a phone number or up to 11 characters/);
    expect(message).toMatch(/MESSAGE_RETRY_SECONDS="soon": must be up to 10/);
    expect(message).toMatch(/SANDBOX_DELIVERY_SECONDS="-1": may not be negative/);
    expect(message).toMatch(/SEND_CONCURRENCY="0": must be at least 1/);
  });
});

describe("SMPP delivery receipts", () => {
  const pdu = (text: string, extra: Record<string, unknown> = {}) =>
    ({ short_message: { message: text }, ...extra }) as unknown as Parameters<
      typeof parseReceipt
    >[0];

  it("reads the id, the state and the error of SMPP 3.4's receipt text", () => {
    expect(
      parseReceipt(
        pdu(
          "id:0A1B2C sub:001 dlvrd:000 submit date:2612052300 done date:2612052301 stat:UNDELIV err:034 text:Hello",
        ),
      ),
    ).toEqual({ providerMessageId: "0A1B2C", state: "UNDELIV", error: "034" });
  });

  it("prefers the receipted_message_id TLV, and ignores text that is no receipt", () => {
    expect(
      parseReceipt(pdu("id:1 stat:DELIVRD", { receipted_message_id: "abc-123" })),
    ).toMatchObject({ providerMessageId: "abc-123", state: "DELIVRD" });
    expect(parseReceipt(pdu("hello there"))).toBeNull();
  });
});
