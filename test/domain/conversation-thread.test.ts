import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccount } from "../../src/domain/accounts/accounts.js";
import type { Context } from "../../src/domain/context.js";
import { threadFor } from "../../src/domain/conversations/thread.js";
import { publishChanges, REALTIME_CHANNEL } from "../../src/domain/realtime/publish.js";
import { jobs } from "../../src/jobs/queue.js";
import { createLogger } from "../../src/log.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

// One thread per contact per channel: the first message opens it, a reply from the contact
// reopens it once resolved, and each opening is announced to listeners at commit only.

let database: TestDatabase;
let ctx: Context;
let contact: { id: string; publicId: string };
beforeAll(async () => {
  database = await createTestDatabase();
  const { account } = await createAccount(database.db, { name: "threads" });
  ctx = { db: database.db, account, key: null, jobs, log: createLogger("silent") };
  const row = await database.db
    .insertInto("subscribers")
    .values({ account_id: account.id, email: "ada@example.com", phone: "+14155550100" })
    .returning(["id", "public_id"])
    .executeTakeFirstOrThrow();
  contact = { id: row.id, publicId: row.public_id };
});
afterAll(async () => {
  await database?.drop();
});

const source = () => ({ ...ctx, sandbox: false });

async function listen(): Promise<{ notices: string[]; close: () => Promise<void> }> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const notices: string[] = [];
  client.on("notification", (message) => notices.push(message.payload ?? ""));
  await client.query(`listen ${REALTIME_CHANNEL}`);
  return { notices, close: () => client.end() };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("threadFor", () => {
  it("opens one thread per contact and channel, reuses it, and reopens a resolved one on a reply", async () => {
    const listener = await listen();
    const first = await threadFor(ctx.db, source(), contact, "sms", "outbound");
    expect(first.created).toBe(true);
    expect(first.row.status).toBe("open");
    const again = await threadFor(ctx.db, source(), contact, "sms", "outbound");
    expect(again).toMatchObject({ created: false, reopened: false });
    expect(again.row.id).toBe(first.row.id);
    const email = await threadFor(ctx.db, source(), contact, "email", "outbound");
    expect(email.row.id).not.toBe(first.row.id);

    await sql`update conversations set status = 'resolved', resolved_at = now() where id = ${first.row.id}`.execute(
      ctx.db,
    );
    // What we send does not reopen a resolved thread; what the contact sends does.
    const ours = await threadFor(ctx.db, source(), contact, "sms", "outbound");
    expect(ours.row.status).toBe("resolved");
    const reply = await threadFor(ctx.db, source(), contact, "sms", "inbound");
    expect(reply).toMatchObject({ created: false, reopened: true });
    expect(reply.row.status).toBe("open");
    expect(reply.row.resolved_at).toBeNull();

    // Two openings and one reopening were announced, each naming the conversation.
    await until(() => listener.notices.length >= 3);
    expect(listener.notices.map((notice) => JSON.parse(notice))).toEqual([
      { accountId: ctx.account.id, topic: "conversation", id: first.row.public_id },
      { accountId: ctx.account.id, topic: "conversation", id: email.row.public_id },
      { accountId: ctx.account.id, topic: "conversation", id: first.row.public_id },
    ]);
    await listener.close();
  });

  it("announces nothing for a change rolled back", async () => {
    const listener = await listen();
    await ctx.db
      .transaction()
      .execute(async (trx) => {
        await publishChanges(trx, [
          { accountId: ctx.account.id, topic: "message", id: "rolled-back" },
        ]);
        throw new Error("roll back");
      })
      .catch(() => undefined);
    await publishChanges(ctx.db, [{ accountId: ctx.account.id, topic: "message", id: "kept" }]);
    await until(() => listener.notices.length >= 1);
    expect(listener.notices.map((notice) => JSON.parse(notice).id)).toEqual(["kept"]);
    await listener.close();
  });
});
