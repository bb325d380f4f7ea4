import type { Confirmation } from "../../domain/mailtrain/confirmations.js";

// The small page a confirmation link opens: it says what happened, in plain HTML.

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

function page(title: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}</style>
</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>
`;
}

export function confirmationPage(result: Confirmation): {
  status: 200 | 400 | 404 | 409 | 410;
  html: string;
} {
  switch (result.outcome) {
    case "confirmed":
      return {
        status: 200,
        html: page(
          "Subscription confirmed",
          `${result.email} is now subscribed to "${result.list}". Thank you!`,
        ),
      };
    case "registered":
      return {
        status: 409,
        html: page(
          "Email address already registered",
          `${result.email} is already subscribed to "${result.list}": there was nothing left to confirm.`,
        ),
      };
    case "expired":
      return {
        status: 410,
        html: page(
          "This link has expired",
          "Confirmation links are valid for 30 days. Please subscribe again to get a new one.",
        ),
      };
    case "invalid":
      return {
        status: 400,
        html: page("The subscription could not be confirmed", result.message),
      };
    case "unknown":
      return {
        status: 404,
        html: page(
          "Unknown confirmation link",
          "This link is not (or no longer) valid. Please check that it was copied whole.",
        ),
      };
  }
}
