import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

// Row types of the tables in migrations/. Kept beside the migrations by hand: a column added
// there is added here in the same change (test/db/types.test.ts compares the two).

type CreatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json = ColumnType<
  Record<string, unknown>,
  string | Record<string, unknown> | undefined,
  string | Record<string, unknown>
>;

export interface AccountsTable {
  id: Generated<string>;
  sid: Generated<string>;
  name: string;
  owner_email: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface ApiKeysTable {
  id: Generated<string>;
  account_id: string;
  public_id: Generated<string>;
  digest: Buffer;
  scopes: string[];
  label: string | null;
  /** A sandbox key's writes are flagged sandbox and nothing it sends leaves (0008). */
  sandbox: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export type SubscriberStatus = "active" | "unsubscribed" | "bounced" | "complained";

export interface SubscribersTable {
  id: Generated<string>;
  account_id: string;
  public_id: Generated<string>;
  email: string;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  timezone: string | null;
  job_title: string | null;
  company: string | null;
  country: string | null;
  address: string | null;
  website: string | null;
  postal_code: string | null;
  birthday: ColumnType<string | null, string | null | undefined, string | null>;
  status: ColumnType<SubscriberStatus, SubscriberStatus | undefined, SubscriberStatus>;
  custom_values: Json;
  opt_in_ip: string | null;
  opt_in_country: string | null;
  /** Created through a sandbox key (0008). */
  sandbox: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface ListsTable {
  id: Generated<string>;
  account_id: string;
  public_id: Generated<string>;
  name: string;
  description: string | null;
  /** Mailtrain's list settings (0002_mailtrain). */
  default_form: string | null;
  public_subscribe: ColumnType<boolean, boolean | undefined, boolean>;
  unsubscription_mode: ColumnType<number, number | undefined, number>;
  listunsubscribe_disabled: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export type SubscriptionStatus =
  | "subscribed"
  | "unsubscribed"
  | "bounced"
  | "complained"
  | "pending";

export interface SubscriptionsTable {
  id: Generated<string>;
  account_id: string;
  public_id: Generated<string>;
  list_id: string;
  subscriber_id: string;
  status: ColumnType<SubscriptionStatus, SubscriptionStatus | undefined, SubscriptionStatus>;
  status_changed_at: CreatedAt;
  source: ColumnType<string, string | undefined, string>;
  created_at: CreatedAt;
}

export type TagStatus = "active" | "inactive";

export interface TagsTable {
  id: Generated<string>;
  account_id: string;
  public_id: Generated<string>;
  name: string;
  status: ColumnType<TagStatus, TagStatus | undefined, TagStatus>;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface SubscriberTagsTable {
  account_id: string;
  subscriber_id: string;
  tag_id: string;
  created_at: CreatedAt;
}

export type CustomFieldType = "string" | "number" | "boolean" | "date" | "dropdown";

/** How a subscription form shows a field (0006_form_type). */
export type FormFieldType =
  | "text"
  | "website"
  | "longtext"
  | "gpg"
  | "number"
  | "radio"
  | "checkbox"
  | "dropdown"
  | "date-us"
  | "date-eur"
  | "birthday-us"
  | "birthday-eur"
  | "json"
  | "option";

export interface CustomFieldsTable {
  id: Generated<string>;
  account_id: string;
  public_id: Generated<string>;
  list_id: string | null;
  name: string;
  type: CustomFieldType;
  options: ColumnType<string[], string[] | undefined, string[]>;
  required: ColumnType<boolean, boolean | undefined, boolean>;
  default_value: ColumnType<unknown, string | null | undefined, string | null>;
  visible: ColumnType<boolean, boolean | undefined, boolean>;
  description: string | null;
  group_id: string | null;
  merge_tag: string;
  column_name: string;
  /** How a subscription form shows the field; null for a field made without one. */
  form_type: ColumnType<
    FormFieldType | null,
    FormFieldType | null | undefined,
    FormFieldType | null
  >;
  group_template: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export interface BlocklistTable {
  id: Generated<string>;
  account_id: string;
  public_id: Generated<string>;
  email: string;
  reason: string | null;
  created_at: CreatedAt;
}

export type CampaignStatus = "draft" | "scheduled" | "sending" | "completed" | "failed";
export type CampaignChannel = "email" | "sms" | "whatsapp";

export interface CampaignsTable {
  id: Generated<string>;
  account_id: string;
  public_id: Generated<string>;
  name: string;
  channel: ColumnType<CampaignChannel, CampaignChannel | undefined, CampaignChannel>;
  subject: string | null;
  body: string | null;
  status: ColumnType<CampaignStatus, CampaignStatus | undefined, CampaignStatus>;
  list_ids: ColumnType<string[], string[] | undefined, string[]>;
  tag_ids: ColumnType<string[], string[] | undefined, string[]>;
  scheduled_at: Timestamp | null;
  /** The template it sends (0012); null: its own subject and body. */
  template_id: string | null;
  /** Template variable (position or name) → value, which may hold {{named}} variables (0012). */
  variables: Json;
  sandbox: ColumnType<boolean, boolean | undefined, boolean>;
  started_at: Timestamp | null;
  /** When every subscriber of the audience had its message queued (the fan-out ended). */
  audience_done_at: Timestamp | null;
  completed_at: Timestamp | null;
  failure_reason: string | null;
  /** The last subscriber id the fan-out has done (0014); null before its first window. */
  audience_after: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export type ImportStatus = "queued" | "running" | "completed" | "failed";

export interface ImportsTable {
  id: Generated<string>;
  account_id: string;
  public_id: Generated<string>;
  status: ColumnType<ImportStatus, ImportStatus | undefined, ImportStatus>;
  source: string;
  filename: string | null;
  list_id: string | null;
  update_existing: ColumnType<boolean, boolean | undefined, boolean>;
  /** Internal ids of tags every imported subscriber gets (0003_botamp). */
  tag_ids: ColumnType<string[], string[] | undefined, string[]>;
  /** Where the report mail goes when the import ends; null: no mail (0003_botamp). */
  notify_email: string | null;
  /**
   * Columns of an import of typed rows, whose chunks hold JSON rows; null for a CSV file
   * (0007_import_row_columns).
   */
  row_columns: string[] | null;
  /** Started through a sandbox key: what it creates is flagged sandbox (0008). */
  sandbox: ColumnType<boolean, boolean | undefined, boolean>;
  total: Generated<number>;
  created: Generated<number>;
  updated: Generated<number>;
  invalid: Generated<number>;
  processed: Generated<number>;
  failure: string | null;
  created_at: CreatedAt;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}

export interface ImportChunksTable {
  account_id: string;
  import_id: string;
  seq: number;
  data: Buffer;
}

export interface ImportRowsTable {
  account_id: string;
  import_id: string;
  row_number: number;
  email: string;
  first_name: string | null;
  last_name: string | null;
  phone: string | null;
  timezone: string | null;
  custom_values: Json;
  job_title: string | null;
  company: string | null;
  country: string | null;
  address: string | null;
  website: string | null;
  postal_code: string | null;
  birthday: ColumnType<string | null, string | null | undefined, string | null>;
  /** Tag names of the row, a JSON array of strings (0003_botamp). */
  tags: ColumnType<string[] | null, string | null | undefined, string | null>;
}

export interface ImportErrorsTable {
  account_id: string;
  import_id: string;
  row_number: number;
  email: string | null;
  message: string;
}

export interface SubscriptionConfirmationsTable {
  id: Generated<string>;
  account_id: string;
  public_id: Generated<string>;
  list_id: string;
  email: string;
  request: Json;
  created_at: CreatedAt;
  expires_at: CreatedAt;
  confirmed_at: Timestamp | null;
  /** When its mail was last queued: a repeated request mails again at most once a minute. */
  mailed_at: Timestamp | null;
}

/** A job worker pool that proves it is alive by holding an advisory lock (0004_worker_liveness). */
export interface JobWorkersTable {
  id: string;
  lock_key: Generated<number>;
  host: string;
  pid: number;
  started_at: CreatedAt;
}

/** Response headers by name, as a replay sends them again. */
export type StoredHeaders = Record<string, string>;

export interface IdempotencyKeysTable {
  id: Generated<string>;
  account_id: string;
  api_key_id: string;
  key: string;
  /** SHA-256 of the request's method, path and body: a retry must send the same. */
  fingerprint: string;
  /** Null while the first request runs. */
  status_code: number | null;
  response_body: string | null;
  response_type: string | null;
  /** Headers of the answer its replay carries too, e.g. Location (0008). */
  response_headers: StoredHeaders | null;
  created_at: CreatedAt;
  finished_at: Timestamp | null;
}

/** rate-limiter-flexible's Postgres store (0008). */
export interface RateLimitsTable {
  key: string;
  points: Generated<number>;
  expire: string | null;
}

/** An endpoint that hears the account's events (0009). */
export interface WebhooksTable {
  id: Generated<string>;
  account_id: string;
  public_id: Generated<string>;
  url: string;
  events: string[];
  /** Signs deliveries; shown once, at creation. */
  secret: string;
  description: string | null;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  sandbox: ColumnType<boolean, boolean | undefined, boolean>;
  failing_since: Timestamp | null;
  disabled_reason: string | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

/** An event some webhook listened for when it happened (0009). */
export interface WebhookEventsTable {
  id: Generated<string>;
  account_id: string;
  public_id: Generated<string>;
  type: string;
  data: Json;
  sandbox: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
}

/** One attempt to deliver an event to a webhook (0010). */
export interface WebhookDeliveriesTable {
  id: Generated<string>;
  account_id: string;
  public_id: Generated<string>;
  webhook_id: string;
  event_id: string;
  /** 1 for the first attempt, 2 to 6 for the retries. */
  attempt: number;
  status_code: number | null;
  succeeded: boolean;
  error: string | null;
  response_ms: number;
  response_body: string | null;
  next_attempt_at: Timestamp | null;
  created_at: CreatedAt;
}

/** Someone of the account who answers conversations (0012). */
export interface AgentsTable {
  id: Generated<string>;
  account_id: string;
  public_id: Generated<string>;
  name: string;
  email: string;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export type MessageChannel = CampaignChannel;
export type TemplateCategory = "marketing" | "utility" | "authentication";
export type TemplateStatus = "draft" | "pending" | "approved" | "rejected" | "paused" | "disabled";

/** A reusable message body with variables (0012). */
export interface TemplatesTable {
  id: Generated<string>;
  account_id: string;
  public_id: Generated<string>;
  channel: MessageChannel;
  name: string;
  language: ColumnType<string, string | undefined, string>;
  category: TemplateCategory | null;
  subject: string | null;
  body: string;
  /** Variable (position or name) → an example value. */
  samples: Json;
  status: ColumnType<TemplateStatus, TemplateStatus | undefined, TemplateStatus>;
  status_reason: string | null;
  provider_template_id: string | null;
  sandbox: ColumnType<boolean, boolean | undefined, boolean>;
  submitted_at: Timestamp | null;
  status_changed_at: CreatedAt;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export type ConversationStatus = "open" | "pending" | "snoozed" | "resolved";

/** The thread with one contact on one channel (0012). */
export interface ConversationsTable {
  id: Generated<string>;
  account_id: string;
  public_id: Generated<string>;
  subscriber_id: string;
  channel: MessageChannel;
  status: ColumnType<ConversationStatus, ConversationStatus | undefined, ConversationStatus>;
  snoozed_until: Timestamp | null;
  assignee_id: string | null;
  sandbox: ColumnType<boolean, boolean | undefined, boolean>;
  last_message_at: Timestamp | null;
  resolved_at: Timestamp | null;
  created_at: CreatedAt;
  updated_at: CreatedAt;
}

export type MessageDirection = "outbound" | "inbound";
export type MessageStatus = "queued" | "sent" | "delivered" | "read" | "failed" | "received";

/** One message to or from one contact on one channel (0012). */
export interface MessagesTable {
  id: Generated<string>;
  account_id: string;
  public_id: Generated<string>;
  subscriber_id: string;
  conversation_id: string | null;
  campaign_id: string | null;
  template_id: string | null;
  channel: MessageChannel;
  direction: ColumnType<MessageDirection, MessageDirection | undefined, MessageDirection>;
  /** The email address or E.164 phone it went to or came from, as it was then. */
  address: string;
  subject: string | null;
  body: string;
  variables: Json;
  status: ColumnType<MessageStatus, MessageStatus | undefined, MessageStatus>;
  queued_at: CreatedAt;
  sent_at: Timestamp | null;
  delivered_at: Timestamp | null;
  read_at: Timestamp | null;
  failed_at: Timestamp | null;
  received_at: Timestamp | null;
  failure_reason: string | null;
  provider_message_id: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  sandbox: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: CreatedAt;
  updated_at: CreatedAt;
  /** The worker pool (job_workers.id) handing it to its provider now; null when none is (0016). */
  send_claimed_by: string | null;
  send_claimed_at: Timestamp | null;
}

export interface Database {
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  subscribers: SubscribersTable;
  lists: ListsTable;
  subscriptions: SubscriptionsTable;
  tags: TagsTable;
  subscriber_tags: SubscriberTagsTable;
  custom_fields: CustomFieldsTable;
  blocklist: BlocklistTable;
  campaigns: CampaignsTable;
  imports: ImportsTable;
  import_chunks: ImportChunksTable;
  import_rows: ImportRowsTable;
  import_errors: ImportErrorsTable;
  subscription_confirmations: SubscriptionConfirmationsTable;
  job_workers: JobWorkersTable;
  idempotency_keys: IdempotencyKeysTable;
  rate_limits: RateLimitsTable;
  webhooks: WebhooksTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  agents: AgentsTable;
  templates: TemplatesTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
}

export type Account = Selectable<AccountsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type SubscriberRow = Selectable<SubscribersTable>;
export type NewSubscriberRow = Insertable<SubscribersTable>;
export type SubscriberUpdate = Updateable<SubscribersTable>;
export type ListRow = Selectable<ListsTable>;
export type SubscriptionRow = Selectable<SubscriptionsTable>;
export type TagRow = Selectable<TagsTable>;
export type CustomFieldRow = Selectable<CustomFieldsTable>;
export type BlocklistRow = Selectable<BlocklistTable>;
export type CampaignRow = Selectable<CampaignsTable>;
export type ImportRow = Selectable<ImportsTable>;
export type WebhookRow = Selectable<WebhooksTable>;
export type WebhookEventRow = Selectable<WebhookEventsTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveriesTable>;
export type AgentRow = Selectable<AgentsTable>;
export type TemplateRow = Selectable<TemplatesTable>;
export type ConversationRow = Selectable<ConversationsTable>;
export type MessageRow = Selectable<MessagesTable>;
