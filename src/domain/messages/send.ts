import type { MessageChannel, SubscriberRow, TemplateRow } from "../../db/types.js";
import { MAX_BODY, MAX_SUBJECT, tooLong } from "../bounds.js";
import { type Context, isSandbox } from "../context.js";
import { threadFor } from "../conversations/thread.js";
import { Conflict, type Issue, NotFound, Validation } from "../errors.js";
import { loadFields } from "../fields/read.js";
import { isPublicId } from "../public-id.js";
import { publishChange } from "../realtime/publish.js";
import { getSubscriber } from "../subscribers/read.js";
import { recipientValues, renderText, valuesFor, variablesIn } from "../templates/variables.js";
import { describeProblem, textProblem } from "../text.js";
import { queueSends } from "./queue.js";
import { getMessage, type MessageView } from "./read.js";

// One message to one contact on one channel, from a template or a body of its own. Every check
// is made before anything is written, field problems all reported at once; then the message, its
// conversation (the first message opens it), its send job and the change's notice commit
// together. The message is rendered here, for this contact: what is stored is what is sent.

export const MESSAGE_CHANNELS = ["email", "sms", "whatsapp"] as const satisfies MessageChannel[];

/** The longest rendered body per channel, in characters. */
export const BODY_LIMITS: Record<MessageChannel, number> = {
  // Ten concatenated SMS of 160 GSM-7 characters: what carriers commonly accept in one submit.
  sms: 1_600,
  // The WhatsApp Cloud API's limit for a text message's body.
  whatsapp: 4_096,
  email: MAX_BODY,
};

/** Variables a message may give: at most this many, each value at most this long. */
const MAX_VARIABLES = 100;
const MAX_VARIABLE_VALUE = 1_024;

export interface SendMessageInput {
  /** The contact's (subscriber's) public id. */
  contactId: string;
  channel: string;
  /** A template's public id; or `body`. */
  templateId?: string | null;
  body?: string | null;
  /** Email only: the subject (a template's own subject when left out). */
  subject?: string | null;
  /** Positional (`"1"`) or named variables → text, which may itself hold `{{named}}` ones. */
  variables?: unknown;
}

function variablesOf(input: SendMessageInput): [string, unknown][] {
  const { variables } = input;
  if (variables == null || typeof variables !== "object" || Array.isArray(variables)) return [];
  return Object.entries(variables);
}

function isChannel(value: string): value is MessageChannel {
  return (MESSAGE_CHANNELS as readonly string[]).includes(value);
}

/** Problems of the request's shape, found before anything is read. */
function shapeIssues(input: SendMessageInput): Issue[] {
  const issues: Issue[] = [];
  const bad = (path: string[], message: string) => issues.push({ path, message });
  if (!isChannel(input.channel)) bad(["channel"], `must be one of ${MESSAGE_CHANNELS.join(", ")}`);
  const hasTemplate = input.templateId != null && input.templateId !== "";
  const hasBody = input.body != null && input.body !== "";
  if (hasTemplate && hasBody) bad(["body"], "give a template or a body, not both");
  if (!hasTemplate && !hasBody) bad(["body"], "is required (or a template)");
  for (const [path, text] of [
    [["body"], input.body],
    [["subject"], input.subject],
  ] as const) {
    const problem = text == null ? null : textProblem(text);
    if (problem) bad([...path], describeProblem(problem));
  }
  if (input.subject != null && input.subject.length > MAX_SUBJECT)
    bad(["subject"], tooLong(MAX_SUBJECT));
  if (input.subject != null && input.channel !== "email" && isChannel(input.channel))
    bad(["subject"], "only an email has a subject");
  if (
    input.variables != null &&
    (typeof input.variables !== "object" || Array.isArray(input.variables))
  )
    bad(["variables"], "must be an object of variable → text");
  const variables = variablesOf(input);
  if (variables.length > MAX_VARIABLES)
    bad(["variables"], `may hold at most ${MAX_VARIABLES} variables`);
  for (const [name, value] of variables.slice(0, MAX_VARIABLES)) {
    if (!/^[\p{L}\p{N}_.-]{1,100}$/u.test(name))
      bad(
        ["variables", name],
        "is not a variable name (a position like 1, or a name like first_name)",
      );
    else if (typeof value !== "string") bad(["variables", name], "must be text");
    else if (value.length > MAX_VARIABLE_VALUE)
      bad(["variables", name], tooLong(MAX_VARIABLE_VALUE));
    else {
      const problem = textProblem(value);
      if (problem) bad(["variables", name], describeProblem(problem));
    }
  }
  return issues;
}

async function templateFor(ctx: Context, publicId: string): Promise<TemplateRow> {
  if (!isPublicId(publicId)) throw new NotFound("Template", publicId);
  const row = await ctx.db
    .selectFrom("templates")
    .selectAll()
    .where("account_id", "=", ctx.account.id)
    .where("public_id", "=", publicId)
    .executeTakeFirst();
  if (!row) throw new NotFound("Template", publicId);
  return row;
}

/** The address the message goes to on its channel; null when the contact has none. */
function addressOn(contact: SubscriberRow, channel: MessageChannel): string | null {
  return channel === "email" ? contact.email : contact.phone?.trim() || null;
}

/**
 * What the contact's state forbids. Statuses and the blocklist are about the email address (a
 * bounce, a spam complaint, an unsubscribe from mailings), so they stop email only. A direct
 * message is transactional (an answer, a receipt): an unsubscribed contact still gets one,
 * unless it comes from a marketing template.
 */
async function refusal(
  ctx: Context,
  contact: SubscriberRow,
  channel: MessageChannel,
  template: TemplateRow | null,
): Promise<string | null> {
  if (template?.category === "marketing" && contact.status !== "active")
    return `the contact is ${contact.status}: a marketing template is not sent to it`;
  if (channel !== "email") return null;
  if (contact.status === "bounced" || contact.status === "complained")
    return `the contact's email ${contact.status === "bounced" ? "bounced" : "complained of spam"}: no email is sent to it`;
  const blocked = await ctx.db
    .selectFrom("blocklist")
    .select("id")
    .where("account_id", "=", ctx.account.id)
    .where((eb) => eb(eb.fn("lower", ["email"]), "=", contact.email.toLowerCase()))
    .executeTakeFirst();
  return blocked ? "the contact's email is on the account's blocklist" : null;
}

export async function sendMessage(ctx: Context, input: SendMessageInput): Promise<MessageView> {
  const issues = shapeIssues(input);
  if (issues.length > 0) throw new Validation(issues);
  const channel = input.channel as MessageChannel;
  if (!isPublicId(input.contactId)) throw new NotFound("Subscriber", input.contactId);
  const contact = await getSubscriber(ctx, input.contactId);
  const template = input.templateId ? await templateFor(ctx, input.templateId) : null;

  if (template && template.channel !== channel)
    issues.push({
      path: ["templateId"],
      message: `is a ${template.channel} template; this message goes by ${channel}`,
    });
  const address = addressOn(contact, channel);
  if (address === null)
    issues.push({
      path: ["contactId"],
      message: `the contact has no phone number, which ${channel} needs`,
    });

  const given = Object.fromEntries(
    variablesOf(input).map(([name, value]) => [name.toLowerCase(), String(value)]),
  );
  const body = template?.body ?? input.body ?? "";
  const subjectText = channel === "email" ? (input.subject ?? template?.subject ?? null) : null;
  if (channel === "email" && !subjectText)
    issues.push({ path: ["subject"], message: "is required for an email" });
  const texts = [body, subjectText ?? "", ...Object.values(given)].join("\n");
  const named = variablesIn(texts).some((name) => !(name in given) && !/^\d+$/.test(name));
  const fields = named ? await loadFields(ctx) : [];
  const values = valuesFor(given, recipientValues(contact, fields));
  const rendered = renderText(body, values);
  const subject = subjectText === null ? null : renderText(subjectText, values);
  for (const name of new Set([...rendered.missing, ...(subject?.missing ?? [])]))
    issues.push({
      path: ["variables", name],
      message: /^\d+$/.test(name)
        ? `is required: the ${template ? "template" : "body"} has {{${name}}}`
        : `is required: {{${name}}} is neither given nor a field of the contact`,
    });
  if (rendered.text.length > BODY_LIMITS[channel])
    issues.push({
      path: [template ? "templateId" : "body"],
      message: `renders to ${rendered.text.length.toLocaleString("en-US")} characters; a ${channel} message ${tooLong(BODY_LIMITS[channel])}`,
    });
  if (subject && subject.text.length > MAX_SUBJECT)
    issues.push({ path: ["subject"], message: `renders to more than ${MAX_SUBJECT} characters` });
  if (issues.length > 0) throw new Validation(issues);

  // The state of the template and the contact, once every field is right.
  if (template && template.channel === channel && template.status !== "approved")
    throw new Conflict(
      `template ${template.public_id} is ${template.status}: only an approved template can be sent`,
    );
  const refused = await refusal(ctx, contact, channel, template);
  if (refused) throw new Conflict(refused);

  // What each variable of the text was for this contact: the channel sends a WhatsApp
  // template's parameters from these, and a reader sees what was filled in.
  const used = Object.fromEntries(
    variablesIn(`${body}\n${subjectText ?? ""}`).map((name) => [name, values[name] ?? ""]),
  );
  const sandbox = isSandbox(ctx);
  return ctx.db.transaction().execute(async (trx) => {
    const source = { account: ctx.account, jobs: ctx.jobs, key: ctx.key, sandbox };
    const thread = await threadFor(
      trx,
      source,
      { id: contact.id, publicId: contact.public_id },
      channel,
      "outbound",
    );
    const { id, public_id } = await trx
      .insertInto("messages")
      .values({
        account_id: ctx.account.id,
        subscriber_id: contact.id,
        conversation_id: thread.row.id,
        template_id: template?.id ?? null,
        channel,
        direction: "outbound",
        address: address as string,
        subject: subject?.text ?? null,
        body: rendered.text,
        variables: JSON.stringify(used),
        sandbox,
      })
      .returning(["id", "public_id"])
      .executeTakeFirstOrThrow();
    await queueSends(trx, ctx, [id]);
    await publishChange(trx, { accountId: ctx.account.id, topic: "message", id: public_id });
    return getMessage(ctx, public_id, trx);
  });
}
