import type { MessageChannel, TemplateCategory, TemplateRow } from "../../db/types.js";
import { MAX_SUBJECT, shown, tooLong } from "../bounds.js";
import type { Issue } from "../errors.js";
import { describeProblem, textProblem } from "../text.js";
import { isPositional, variablesIn } from "./variables.js";

// What a template may hold. The limits are the providers' own where they have one: WhatsApp
// takes a body of 1,024 characters and a name of lowercase letters, digits and underscores; an
// SMS of 1,600 characters is ten concatenated parts, what carriers accept. Positional variables
// run {{1}}..{{n}} without gaps (WhatsApp's rule, kept for every channel so one numbering serves
// all), and every variable has a sample: WhatsApp's review reads them, and a preview needs them.

export const TEMPLATE_CHANNELS = ["email", "sms", "whatsapp"] as const satisfies MessageChannel[];
export const TEMPLATE_CATEGORIES = [
  "marketing",
  "utility",
  "authentication",
] as const satisfies TemplateCategory[];

export const BODY_LIMITS: Readonly<Record<MessageChannel, number>> = {
  whatsapp: 1_024,
  sms: 1_600,
  email: 100_000,
};
export const NAME_MAX = 512;
export const SAMPLE_MAX = 1_024;

/** Language codes as WhatsApp spells them: `en`, `en_US`, `pt_BR`, `es_419` (`en-US` accepted). */
const LANGUAGE = /^([a-z]{2,3})(?:[_-]([a-z]{2}|\d{3}))?$/i;
const WHATSAPP_NAME = /^[a-z0-9_]+$/;

export interface TemplateInput {
  channel?: string | null;
  name?: string | null;
  language?: string | null;
  category?: string | null;
  subject?: string | null;
  body?: string | null;
  /** Variable (position or name) → an example value. */
  samples?: Readonly<Record<string, unknown>> | null;
}

/** A checked template's columns. */
export interface TemplateFields {
  channel: MessageChannel;
  name: string;
  language: string;
  category: TemplateCategory | null;
  subject: string | null;
  body: string;
  samples: Record<string, string>;
}

/** `en-us` → `en_US`: one spelling, so the unique name per language is one. */
export function normalLanguage(language: string): string | null {
  const match = LANGUAGE.exec(language.trim());
  if (!match) return null;
  const [, base, region] = match;
  return region ? `${base.toLowerCase()}_${region.toUpperCase()}` : base.toLowerCase();
}

function textIssue(field: string, value: string | null | undefined): Issue | null {
  const problem = value == null ? null : textProblem(value);
  return problem ? { path: [field], message: describeProblem(problem) } : null;
}

/** Problems of the body's variables: positional ones must run from 1 without a gap. */
function variableIssues(channel: MessageChannel, variables: readonly string[]): Issue[] {
  const issues: Issue[] = [];
  const positional = variables.filter(isPositional);
  const named = variables.filter((name) => !isPositional(name));
  for (const name of positional)
    if (name !== String(Number(name)) || Number(name) < 1)
      issues.push({
        path: ["body"],
        message: `{{${name}}}: positions are 1, 2, 3… without leading zeros`,
      });
  const positions = new Set(positional.map(Number));
  const missing: string[] = [];
  for (let n = 1; n <= Math.max(0, ...positions); n++)
    if (!positions.has(n)) missing.push(`{{${n}}}`);
  if (missing.length > 0)
    issues.push({
      path: ["body"],
      message: `positional variables run from {{1}} without gaps: ${missing.join(", ")} missing`,
    });
  if (channel === "whatsapp") {
    if (positional.length > 0 && named.length > 0)
      issues.push({
        path: ["body"],
        message: "a WhatsApp template uses positional ({{1}}) or named variables, not both",
      });
    for (const name of named)
      if (!/^[a-z][a-z0-9_]*$/.test(name))
        issues.push({
          path: ["body"],
          message: `{{${name}}}: WhatsApp's named variables are lowercase letters, digits and underscores`,
        });
  }
  return issues;
}

function sampleIssues(
  variables: readonly string[],
  samples: unknown,
): {
  issues: Issue[];
  checked: Record<string, string>;
} {
  const issues: Issue[] = [];
  const checked: Record<string, string> = {};
  if (samples != null && (typeof samples !== "object" || Array.isArray(samples)))
    return {
      issues: [{ path: ["samples"], message: "must be an object: variable → example" }],
      checked,
    };
  const given = new Map<string, unknown>();
  for (const [key, value] of Object.entries((samples ?? {}) as Record<string, unknown>))
    given.set(key.replace(/^\{\{\s*|\s*\}\}$/g, "").toLowerCase(), value);
  for (const variable of variables) {
    const value = given.get(variable);
    if (value === undefined || value === null || (typeof value === "string" && !value.trim()))
      issues.push({
        path: ["samples", variable],
        message: `a sample value for {{${variable}}} is required`,
      });
    else if (typeof value !== "string" && typeof value !== "number")
      issues.push({ path: ["samples", variable], message: "must be a text" });
    else {
      const text = String(value);
      const problem = textProblem(text);
      if (problem) issues.push({ path: ["samples", variable], message: describeProblem(problem) });
      else if (text.length > SAMPLE_MAX)
        issues.push({ path: ["samples", variable], message: tooLong(SAMPLE_MAX) });
      else checked[variable] = text;
    }
  }
  for (const key of given.keys())
    if (!variables.includes(key))
      issues.push({ path: ["samples", key], message: `the template has no variable {{${key}}}` });
  return { issues, checked };
}

/**
 * Every problem of a whole template at once, or its columns. `current` is the template an update
 * replaces: its channel cannot change (what was approved for one channel means nothing on another).
 */
export function checkTemplate(
  input: TemplateInput,
  current?: TemplateRow,
): { issues: Issue[]; fields: TemplateFields } {
  const issues: Issue[] = [];
  const push = (issue: Issue | null) => issue && issues.push(issue);

  let channel = current?.channel ?? null;
  if (input.channel != null && !(TEMPLATE_CHANNELS as readonly string[]).includes(input.channel))
    push({ path: ["channel"], message: `must be one of ${TEMPLATE_CHANNELS.join(", ")}` });
  else if (current && input.channel != null && input.channel !== current.channel)
    push({ path: ["channel"], message: "cannot change: create a template for the other channel" });
  else if (input.channel != null) channel = input.channel as MessageChannel;
  else if (!current) push({ path: ["channel"], message: "channel is required" });

  const name = input.name?.trim() ?? "";
  push(textIssue("name", input.name));
  if (!name) push({ path: ["name"], message: "name is required" });
  else if (name.length > NAME_MAX) push({ path: ["name"], message: tooLong(NAME_MAX) });
  else if (channel === "whatsapp" && !WHATSAPP_NAME.test(name))
    push({
      path: ["name"],
      message: "a WhatsApp template's name is lowercase letters, digits and underscores",
    });

  const language = normalLanguage(input.language ?? "en");
  if (language === null)
    push({
      path: ["language"],
      message: `${shown(input.language ?? "")} is not a language code like en, en_US or pt_BR`,
    });

  let category: TemplateCategory | null = null;
  if (channel === "whatsapp") {
    if (input.category == null)
      push({ path: ["category"], message: "a WhatsApp template needs a category" });
    else if (!(TEMPLATE_CATEGORIES as readonly string[]).includes(input.category.toLowerCase()))
      push({ path: ["category"], message: `must be one of ${TEMPLATE_CATEGORIES.join(", ")}` });
    else category = input.category.toLowerCase() as TemplateCategory;
  } else if (input.category != null && channel !== null)
    push({ path: ["category"], message: "only WhatsApp templates have a category" });

  const subject = input.subject?.trim() || null;
  push(textIssue("subject", input.subject));
  if (channel === "email") {
    if (!subject) push({ path: ["subject"], message: "an email template needs a subject" });
    else if (subject.length > MAX_SUBJECT)
      push({ path: ["subject"], message: tooLong(MAX_SUBJECT) });
  } else if (subject !== null && channel !== null)
    push({ path: ["subject"], message: "only email templates have a subject" });

  const body = input.body ?? "";
  push(textIssue("body", input.body));
  if (!body.trim()) push({ path: ["body"], message: "body is required" });
  else if (channel !== null && body.length > BODY_LIMITS[channel])
    push({ path: ["body"], message: tooLong(BODY_LIMITS[channel]) });

  const variables = variablesIn(`${subject ?? ""}\n${body}`);
  if (channel !== null) issues.push(...variableIssues(channel, variables));
  const samples = sampleIssues(variables, input.samples);
  issues.push(...samples.issues);

  return {
    issues,
    fields: {
      channel: channel ?? "email",
      name,
      language: language ?? "en",
      category,
      subject: channel === "email" ? subject : null,
      body,
      samples: samples.checked,
    },
  };
}
