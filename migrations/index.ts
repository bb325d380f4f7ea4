import type { Migration } from "kysely";
import * as audience from "./0001_audience.js";
import * as mailtrain from "./0002_mailtrain.js";
import * as botamp from "./0003_botamp.js";
import * as workerLiveness from "./0004_worker_liveness.js";
import * as confirmationOnce from "./0005_confirmation_once.js";
import * as formType from "./0006_form_type.js";
import * as importRowColumns from "./0007_import_row_columns.js";
import * as botbatPlatform from "./0008_botbat_platform.js";
import * as webhooks from "./0009_webhooks.js";
import * as webhookDeliveries from "./0010_webhook_deliveries.js";
import * as contactSearch from "./0011_contact_search.js";
import * as messaging from "./0012_messaging.js";
import * as contactSearchWays from "./0013_contact_search_ways.js";
import * as campaignFanOut from "./0014_campaign_fan_out.js";
import * as inboundSender from "./0015_inbound_sender.js";
import * as messageSendClaims from "./0016_message_send_claims.js";
import * as messageStatusInPlace from "./0017_message_status_in_place.js";
import * as phoneDigitsPartial from "./0018_phone_digits_partial.js";

// Every migration, in order. Imported statically so that tsx, vitest and a bundler all load
// them the same way. A landed migration is never edited: add a new file and list it here.
export const migrations: Record<string, Migration> = {
  "0001_audience": audience,
  "0002_mailtrain": mailtrain,
  "0003_botamp": botamp,
  "0004_worker_liveness": workerLiveness,
  "0005_confirmation_once": confirmationOnce,
  "0006_form_type": formType,
  "0007_import_row_columns": importRowColumns,
  "0008_botbat_platform": botbatPlatform,
  "0009_webhooks": webhooks,
  "0010_webhook_deliveries": webhookDeliveries,
  "0011_contact_search": contactSearch,
  "0012_messaging": messaging,
  "0013_contact_search_ways": contactSearchWays,
  "0014_campaign_fan_out": campaignFanOut,
  "0015_inbound_sender": inboundSender,
  "0016_message_send_claims": messageSendClaims,
  "0017_message_status_in_place": messageStatusInPlace,
  "0018_phone_digits_partial": phoneDigitsPartial,
};
