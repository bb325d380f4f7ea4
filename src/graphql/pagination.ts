import { resolveCursorConnection } from "@pothos/plugin-relay";
import type { Page } from "../domain/page.js";
import { badUserInput } from "./bad-input.js";

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

// Cursors are opaque to clients; inside they are the row's internal id.
export function encodeCursor(id: string): string {
  return Buffer.from(`k:${id}`).toString("base64url");
}

export function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, "base64url").toString();
  if (!/^k:\d{1,19}$/.test(decoded))
    throw badUserInput(`"${cursor}" is not a cursor this API issued`);
  return decoded.slice(2);
}

function checkSize(name: string, value: number | null | undefined): void {
  if (value == null) return;
  if (value < 0) throw badUserInput(`"${name}" must not be negative`);
  if (value > MAX_PAGE_SIZE)
    throw badUserInput(`"${name}" may be at most ${MAX_PAGE_SIZE}; page through with cursors`);
}

/** A page of rows as a Relay connection, with a `totalCount` that counts when called. */
export type KeysetConnection<T> = Awaited<
  ReturnType<typeof resolveCursorConnection<Promise<T[]>>>
> & {
  totalCount: () => Promise<number>;
};

/**
 * A Relay connection over rows fetched by keyset. `totalCount` is a thunk, so the count runs
 * only when a client selects it.
 */
export async function keysetConnection<T extends { id: string }>(
  args: ConnectionArgs,
  fetch: (page: Page) => Promise<T[]>,
  count: () => Promise<number>,
): Promise<KeysetConnection<T>> {
  checkSize("first", args.first);
  checkSize("last", args.last);
  const afterId = args.after ? decodeCursor(args.after) : undefined;
  const beforeId = args.before ? decodeCursor(args.before) : undefined;
  const connection = await resolveCursorConnection<Promise<T[]>>(
    {
      args,
      toCursor: (row: T) => encodeCursor(row.id),
      defaultSize: DEFAULT_PAGE_SIZE,
      maxSize: MAX_PAGE_SIZE,
    },
    ({ limit, inverted }) => fetch({ afterId, beforeId, limit, backward: inverted }),
  );
  return { ...connection, totalCount: count };
}
