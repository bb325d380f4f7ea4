import { createHmac, randomBytes } from "node:crypto";

// A delivery is signed with the webhook's secret: HMAC-SHA256 over "{timestamp}.{body}", sent as
// `Botbat-Signature: v1=<hex>` with the timestamp (Unix seconds) in `Botbat-Timestamp`. Signing
// the timestamp lets a receiver refuse replays of an old delivery.

export const TIMESTAMP_HEADER = "Botbat-Timestamp";
export const SIGNATURE_HEADER = "Botbat-Signature";
export const DELIVERY_HEADER = "Botbat-Delivery";
export const EVENT_HEADER = "Botbat-Event";

/** A new webhook's secret: 32 random bytes, prefixed so that it is recognisable in a leak. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

/** The signature header's value for `body` sent at `timestamp` (Unix seconds). */
export function signatureOf(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}
