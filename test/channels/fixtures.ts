import type { Runner } from "graphile-worker";
import { sql } from "kysely";
import { type Channels, createChannels } from "../../src/channels/index.js";
import { type ChannelSettings, defaultChannelSettings } from "../../src/channels/settings.js";
import type { MessageChannel, MessageRow } from "../../src/db/types.js";
import { createAccount } from "../../src/domain/accounts/accounts.js";
import { queueSends } from "../../src/domain/messages/queue.js";
import { jobs } from "../../src/jobs/queue.js";
import { startWorker } from "../../src/jobs/worker.js";
import { createLogger } from "../../src/log.js";
import { createMailer, type Mailer } from "../../src/mail/mailer.js";
import type { TestDatabase } from "../helpers/database.js";
import { FAST, type Receiver, startReceiver, waitFor } from "../jobs/webhook-receiver.js";

// What the channel tests share: an account with contacts and a webhook that hears message.*
// events (a real receiver), queued messages made as the send API makes them (rows, then
// queueSends in the same transaction), and a real worker with the channels under test.

export { waitFor };

export const log = createLogger(process.env.TEST_LOG_LEVEL ?? "silent");

export const MESSAGE_EVENTS = [
  "message.sent",
  "message.delivered",
  "message.read",
  "message.failed",
  "message.received",
  "conversation.created",
];

export interface Fixture {
  accountId: string;
  receiver: Receiver;
  /** Events the account's webhook received, as parsed bodies. */
  events: () => { type: string; data: { message?: Record<string, unknown> } }[];
  contact: (fields: { email?: string; phone?: string; sandbox?: boolean }) => Promise<string>;
}

export async function fixture(database: TestDatabase, name = "channels"): Promise<Fixture> {
  const { account } = await createAccount(database.db, { name });
  const receiver = await startReceiver();
  for (const sandbox of [false, true]) {
    await database.db
      .insertInto("webhooks")
      .values({
        account_id: account.id,
        url: `${receiver.url}/${sandbox ? "sandbox" : "live"}`,
        events: MESSAGE_EVENTS,
        secret: "whsec_test",
        sandbox,
      })
      .execute();
  }
  let n = 0;
  return {
    accountId: account.id,
    receiver,
    events: () => receiver.received.map((request) => JSON.parse(request.body)),
    contact: async (fields) => {
      n += 1;
      const row = await database.db
        .insertInto("subscribers")
        .values({
          account_id: account.id,
          email: fields.email ?? `contact${n}-${account.id}@example.com`,
          phone: fields.phone ?? null,
          sandbox: fields.sandbox ?? false,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      return row.id;
    },
  };
}

export interface QueueOptions {
  accountId: string;
  contactId: string;
  channel: MessageChannel;
  address: string;
  body?: string;
  subject?: string | null;
  count?: number;
  sandbox?: boolean;
  campaignId?: string | null;
  templateId?: string | null;
  variables?: Record<string, string>;
}

/** Queued messages (internal ids), with their send jobs, in one transaction. */
export async function queueMessages(
  database: TestDatabase,
  options: QueueOptions,
): Promise<string[]> {
  return database.db.transaction().execute(async (trx) => {
    const rows = Array.from({ length: options.count ?? 1 }, () => ({
      account_id: options.accountId,
      subscriber_id: options.contactId,
      channel: options.channel,
      address: options.address,
      subject: options.subject ?? null,
      body: options.body ?? "Hello from the gateway",
      sandbox: options.sandbox ?? false,
      campaign_id: options.campaignId ?? null,
      template_id: options.templateId ?? null,
      variables: JSON.stringify(options.variables ?? {}),
    }));
    const inserted = await trx.insertInto("messages").values(rows).returning("id").execute();
    const ids = inserted.map((row) => row.id);
    await queueSends(trx, { jobs }, ids);
    return ids;
  });
}

export async function messageById(database: TestDatabase, id: string): Promise<MessageRow> {
  return database.db
    .selectFrom("messages")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
}

/** Waits until the message reaches `status` (30 s at most) and returns it. */
export async function messageReaching(
  database: TestDatabase,
  id: string,
  status: MessageRow["status"],
): Promise<MessageRow> {
  let last: MessageRow | null = null;
  try {
    return await waitFor(
      async () => {
        last = await messageById(database, id);
        return last.status === status && last;
      },
      `message ${id} to be ${status}`,
      30_000,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; it is ${JSON.stringify(last)}`);
  }
}

export interface ChannelWorker {
  channels: Channels;
  worker: Runner;
  stop: () => Promise<void>;
}

/** A real worker whose channels are `settings` over the defaults (fast retries, no sandbox wait). */
export async function startChannelWorker(
  database: TestDatabase,
  settings: Partial<ChannelSettings> = {},
  mailer: Mailer = createMailer(undefined, "gateway@example.com", log),
): Promise<ChannelWorker> {
  const channels = createChannels(
    {
      ...defaultChannelSettings(),
      production: false,
      sandbox: { deliverySeconds: 0, readSeconds: 0 },
      retrySeconds: [0.2, 0.2, 0.2, 0.2],
      ...settings,
    },
    { db: database.db, jobs, log, mailer },
  );
  const worker = await startWorker(
    { db: database.db, pool: database.pool, log, mailer, webhooks: FAST, channels },
    { concurrency: 4 },
  );
  return {
    channels,
    worker,
    stop: async () => {
      await worker.stop();
      await channels.close();
    },
  };
}

/** Jobs of a task still in the queue. */
export async function pendingJobs(database: TestDatabase, task: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from graphile_worker.jobs where task_identifier = ${task}`.execute(
    database.db,
  );
  return rows[0].n;
}
