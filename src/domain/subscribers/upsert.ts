import { sql, type Transaction } from "kysely";
import type { Database, NewSubscriberRow, SubscriberRow } from "../../db/types.js";
import { type Context, isSandbox } from "../context.js";
import { type Issue, Validation } from "../errors.js";
import { loadFields } from "../fields/read.js";
import { emitEvents } from "../webhooks/events.js";
import { contactEventData } from "../webhooks/payloads.js";
import { checkEmail, checkSubscriber, type SubscriberInput } from "./input.js";

// Creating or updating many subscribers by email in one call. Everything is checked before
// anything is written, and every problem is reported at once: one bad row refuses the whole
// call. The write is one `insert … on conflict do update` for the batch.

export const MAX_UPSERT = 1_000;

export interface UpsertResult {
  /** In the order of the input. */
  subscribers: SubscriberRow[];
  created: number;
  updated: number;
}

const keyOf = (email: string) => email.toLowerCase();

export async function upsertSubscribers(
  ctx: Context,
  inputs: readonly SubscriberInput[],
  /** The caller's transaction, when the upsert is one part of a larger write. */
  within?: Transaction<Database>,
  /** Problems the caller found in its own part of the input, reported with these. */
  callerIssues: readonly Issue[] = [],
): Promise<UpsertResult> {
  if (inputs.length > MAX_UPSERT) {
    throw Validation.of(
      ["subscribers"],
      `may hold at most ${MAX_UPSERT} subscribers (${inputs.length} sent); import a CSV for more`,
    );
  }
  if (inputs.length === 0) {
    if (callerIssues.length > 0) throw new Validation([...callerIssues]);
    return { subscribers: [], created: 0, updated: 0 };
  }
  const pathOf = (index: number) => ["subscribers", String(index)];

  // Emails first: they decide which rows exist, and each may appear once per call. A row with a
  // bad email is still checked below, as a new subscriber, so all its problems are listed.
  const emailIssues: Issue[] = [];
  const firstIndex = new Map<string, number>();
  inputs.forEach((input, index) => {
    const { email, message } = checkEmail(input.email);
    if (email === undefined) {
      emailIssues.push({ path: [...pathOf(index), "email"], message: message ?? "is invalid" });
      return;
    }
    const seen = firstIndex.get(keyOf(email));
    if (seen !== undefined)
      emailIssues.push({
        path: [...pathOf(index), "email"],
        message: `${email} is also subscribers[${seen}]; send each email once`,
      });
    else firstIndex.set(keyOf(email), index);
  });

  const write = async (trx: Transaction<Database>): Promise<UpsertResult> => {
    const fields = await loadFields(ctx, trx);
    // Existing rows are locked so their custom values merge with what is stored.
    const existing =
      firstIndex.size === 0
        ? []
        : await trx
            .selectFrom("subscribers")
            .selectAll()
            .where("account_id", "=", ctx.account.id)
            .where(sql<string>`lower(email)`, "in", [...firstIndex.keys()])
            .forUpdate()
            .execute();
    const byEmail = new Map(existing.map((row) => [keyOf(row.email), row]));

    const issues: Issue[] = [];
    const rows: NewSubscriberRow[] = inputs.map((input, index) => {
      const email = checkEmail(input.email).email ?? "";
      const current = byEmail.get(keyOf(email)) ?? null;
      const checked = checkSubscriber(input, { current, fields, path: pathOf(index) });
      const emailPath = [...pathOf(index), "email"].join(".");
      // The email's own problems come from the first pass (which also knows of duplicates).
      issues.push(
        ...emailIssues.filter((issue) => issue.path.join(".") === emailPath),
        ...checked.issues.filter((issue) => issue.path.join(".") !== emailPath),
      );
      const { columns } = checked;
      if (current === null)
        return { ...columns, email, account_id: ctx.account.id, sandbox: isSandbox(ctx) };
      // An update keeps the stored email (its case too) and everything the input leaves out.
      const { id, public_id, created_at, updated_at, ...stored } = current;
      return { ...stored, ...columns, email: current.email };
    });
    issues.push(...callerIssues);
    if (issues.length > 0) throw new Validation(issues);

    const written = await trx
      .insertInto("subscribers")
      .values(rows)
      .onConflict((conflict) =>
        conflict.expression(sql`account_id, lower(email)`).doUpdateSet((eb) => ({
          first_name: eb.ref("excluded.first_name"),
          last_name: eb.ref("excluded.last_name"),
          phone: eb.ref("excluded.phone"),
          timezone: eb.ref("excluded.timezone"),
          job_title: eb.ref("excluded.job_title"),
          company: eb.ref("excluded.company"),
          country: eb.ref("excluded.country"),
          address: eb.ref("excluded.address"),
          website: eb.ref("excluded.website"),
          postal_code: eb.ref("excluded.postal_code"),
          birthday: eb.ref("excluded.birthday"),
          status: eb.ref("excluded.status"),
          opt_in_ip: eb.ref("excluded.opt_in_ip"),
          custom_values: eb.ref("excluded.custom_values"),
          updated_at: sql`now()`,
        })),
      )
      .returningAll()
      // xmax is 0 only on a row this statement inserted.
      .returning(sql<boolean>`(xmax = 0)`.as("inserted"))
      .execute();

    const byKey = new Map(written.map(({ inserted, ...row }) => [keyOf(row.email), row]));
    const created = written.filter((row) => row.inserted).length;
    // One call per event type for the whole batch, in the batch's transaction.
    const eventsOf = (inserted: boolean) =>
      written.filter((row) => row.inserted === inserted).map(({ inserted: _, ...row }) => row);
    await emitEvents(trx, ctx, "contact.created", eventsOf(true).map(contactEventData));
    await emitEvents(trx, ctx, "contact.updated", eventsOf(false).map(contactEventData));
    return {
      subscribers: rows.map((row) => byKey.get(keyOf(row.email)) as SubscriberRow),
      created,
      updated: written.length - created,
    };
  };
  return within ? write(within) : ctx.db.transaction().execute(write);
}
