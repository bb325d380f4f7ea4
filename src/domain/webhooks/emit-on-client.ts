import type pg from "pg";
import { DELIVER_WEBHOOK_TASK, DELIVERY_JOB_ATTEMPTS, type EventType } from "./events.js";

// emitEvent for code that holds a raw connection in a transaction (the import's merge): the same
// event and the same jobs, in one statement, committed with the caller's change.

export async function emitEventOn(
  client: pg.PoolClient,
  account: { accountId: string; sandbox: boolean },
  type: EventType,
  data: Record<string, unknown>,
): Promise<void> {
  await client.query(
    `with listening as (
       select id from webhooks
       where account_id = $1 and active and sandbox = $2 and $3 = any(events)
     ), event as (
       insert into webhook_events (account_id, type, data, sandbox)
       select $1, $3, $4::jsonb, $2
       where exists (select from listening)
       returning id
     )
     select graphile_worker.add_jobs(array(
       select json_populate_record(null::graphile_worker.job_spec, json_build_object(
         'identifier', $5::text,
         'payload', json_build_object('webhookId', listening.id::text, 'eventId', event.id::text,
           'attempt', 1),
         'max_attempts', $6::int))
       from event cross join listening
     ))`,
    [
      account.accountId,
      account.sandbox,
      type,
      JSON.stringify(data),
      DELIVER_WEBHOOK_TASK,
      DELIVERY_JOB_ATTEMPTS,
    ],
  );
}
