import type { ListRow } from "../../db/types.js";
import type { Confirmation } from "../../domain/lists/confirmations.js";
import type { SubscribeRequest } from "../../domain/lists/subscribe.js";
import { issuesText } from "./errors.js";

// What a Mailtrain double opt-in says: the mail with its link, and the small page the link opens
// (what happened, in plain HTML).

export const CONFIRM_PATH = "/subscription/confirm";

export function confirmationLink(base: string, confirmationId: string): string {
  return `${base}${CONFIRM_PATH}/${confirmationId}`;
}

export function confirmationMail(list: ListRow, request: SubscribeRequest, link: string) {
  return {
    subject: `Please confirm your subscription to ${list.name}`,
    text: [
      `Someone, hopefully you, asked to subscribe ${request.email} to "${list.name}".`,
      "",
      "To confirm, follow this link:",
      link,
      "",
      "If you did not ask for this, ignore this mail: nothing happens without the link.",
    ].join("\n"),
  };
}

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
        html: page("The subscription could not be confirmed", issuesText(result.issues)),
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
