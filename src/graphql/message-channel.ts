import { MESSAGE_CHANNELS } from "../domain/messages/send.js";
import { builder } from "./builder.js";

/** The channels a message, a conversation (and a template) go by. */
export const MessageChannelEnum = builder.enumType("MessageChannel", {
  values: Object.fromEntries(
    MESSAGE_CHANNELS.map((channel) => [channel.toUpperCase(), { value: channel }]),
  ) as { EMAIL: { value: "email" }; SMS: { value: "sms" }; WHATSAPP: { value: "whatsapp" } },
});
