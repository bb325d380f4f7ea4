import type { SubscriberRow } from "../../db/types.js";
import type { Context } from "../context.js";
import { tagsOfSubscribers } from "../tags/tagging.js";
import { countSubscribers, pageSubscribersWithTags, type SubscriberFilter } from "./page.js";
import { getSubscriber } from "./read.js";

// Contacts as botbat lists them: filtered by a tag's name, a list (botbat's "segment") and a
// creation range, paged by keyset on the internal id (oldest first). A page costs a constant
// number of statements whatever its size: the page with each subscriber's tag names, the count
// (on a first page; the next ones carry it), and, when a tag is named, the tag's look-up.

export interface ContactFilter {
  /** A tag's name, any case; a name the account has no tag of matches nothing. */
  tag?: string;
  /** Public id of a list the subscriber is on, whatever the subscription's status. */
  listId?: string;
  createdAfter?: Date;
  createdBefore?: Date;
}

export interface ContactPage {
  /** At most limit + 1 rows: one more tells a next page exists. */
  rows: ContactRow[];
  total: number;
}

const COLUMNS = [
  "id",
  "public_id",
  "email",
  "first_name",
  "last_name",
  "phone",
  "status",
  "custom_values",
  "sandbox",
  "created_at",
  "updated_at",
] as const satisfies readonly (keyof SubscriberRow)[];

/** What botbat shows of a subscriber, with its tags' names (by name). */
export type ContactRow = Pick<SubscriberRow, (typeof COLUMNS)[number]> & { tag_names: string[] };

export async function listContacts(
  ctx: Context,
  filter: ContactFilter,
  page: {
    afterId?: string;
    limit: number;
    /** The total an earlier page counted under the same filter: not counted again. */
    knownTotal?: number;
  },
): Promise<ContactPage> {
  const subscriberFilter: SubscriberFilter = {
    listId: filter.listId ?? null,
    createdAfter: filter.createdAfter ?? null,
    createdBefore: filter.createdBefore ?? null,
  };
  if (filter.tag !== undefined) {
    const tag = await ctx.db
      .selectFrom("tags")
      .select("public_id")
      .where("account_id", "=", ctx.account.id)
      .where((eb) => eb(eb.fn("lower", ["name"]), "=", (filter.tag ?? "").trim().toLowerCase()))
      .executeTakeFirst();
    if (!tag) return { rows: [], total: 0 };
    subscriberFilter.tagId = tag.public_id;
  }
  const [rows, total] = await Promise.all([
    pageSubscribersWithTags(
      ctx,
      subscriberFilter,
      { afterId: page.afterId, limit: page.limit + 1, backward: false },
      COLUMNS,
      ["name"],
    ),
    page.knownTotal ?? countSubscribers(ctx, subscriberFilter),
  ]);
  return {
    rows: rows.map(({ tag_values, ...row }) => ({
      ...row,
      tag_names: tag_values.map(([name]) => String(name)),
    })),
    total,
  };
}

/** One contact with its tags' names (NotFound for an id of no subscriber of the account). */
export async function getContact(ctx: Context, publicId: string): Promise<ContactRow> {
  const subscriber = await getSubscriber(ctx, publicId);
  const [tags] = await tagsOfSubscribers(ctx, [subscriber.id]);
  return { ...subscriber, tag_names: (tags ?? []).map((tag) => tag.name) };
}
