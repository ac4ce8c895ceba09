// The shapes the REST API answers with (see crates/store/src/models.rs and the route handlers).

import type { WorkflowDocument } from "../builder/document";

export interface Page<T> {
  data: T[];
  next_cursor?: string | null;
}

export interface Agent {
  id: string;
  name: string;
  email: string;
  role: "owner" | "admin" | "agent";
  created_at?: string;
}

export interface Workspace {
  id: string;
  name: string;
  time_zone: string;
  business_hours: Record<string, string[]>;
  holidays: string[];
  created_at: string;
}

export interface WaNumber {
  id: string;
  label: string;
  channel: "sandbox" | "cloud_api" | "linked_device" | string;
  status: "connected" | "disconnected" | "pairing" | "logged_out" | string;
  automation: boolean;
  marketing: boolean;
  external_id?: string | null;
  created_at: string;
}

export interface Workflow {
  id: string;
  name: string;
  version: number;
  active: boolean;
  priority: number;
  trigger_type: string;
  scope_number_id?: string | null;
  document: WorkflowDocument;
  created_at: string;
  updated_at: string;
}

export interface Counters {
  entered: number;
  completed: number;
  failed: number;
  sent: number;
  replied: number;
}

export interface WorkflowCounters {
  workflow: Counters;
  steps: Record<string, Counters>;
}

export interface VersionInfo {
  version: number;
  created_at: string;
  current: boolean;
}

export interface DiffChange {
  path: string;
  before: unknown;
  after: unknown;
}

export interface Contact {
  id: string;
  phone: string;
  name: string;
  tags: string[];
  fields: Record<string, string | number | boolean | null>;
  assigned_agent_id: string | null;
  blocked: boolean;
  excluded_from_automation: boolean;
  /** Opted out of marketing (a stop word, or changed by hand): campaigns skip them. */
  opted_out?: boolean;
  opted_out_at?: string | null;
  created_at: string;
  updated_at: string;
}

export interface Conversation {
  id: string;
  number_id: string;
  contact_id: string;
  contact_phone: string;
  contact_name: string;
  last_message_at: string;
  created_at: string;
}

export interface Message {
  id: string;
  conversation_id: string;
  number_id: string;
  contact_id: string;
  direction: "inbound" | "outbound";
  message_type: string;
  text: string;
  sender_kind: string;
  sender_ref?: string | null;
  status: string;
  error?: string | null;
  payload?: unknown;
  created_at: string;
  sent_at?: string | null;
}

export interface IntakeOutcome {
  message_id: string | null;
  contact_id: string;
  conversation_id: string;
  duplicate: boolean;
  outcome: string;
  runs: string[];
  queued: string[];
  log_id: string;
}

export interface Check {
  path: string;
  held: boolean;
  actual?: unknown;
  condition?: string;
}

export interface Considered {
  workflow_id: string;
  workflow_name: string | null;
  version: number;
  matched: boolean;
  checks: Check[];
  reason: string;
}

export interface LogEntry {
  id: string;
  created_at: string;
  kind: string;
  outcome: string;
  summary: string;
  number_id: string | null;
  contact_id: string | null;
  message_id: string | null;
  workflow_id: string | null;
  run_id: string | null;
  detail: Record<string, unknown>;
}

export interface Run {
  id: string;
  workflow_id: string;
  workflow_version: number;
  contact_id: string;
  conversation_id: string;
  state: string;
  current_step: string | null;
  variables: Record<string, unknown>;
  history: unknown;
  created_at: string;
  updated_at: string;
}

export interface WorkflowTemplate {
  id: string;
  name: string;
  description: string;
  document: WorkflowDocument;
  builtin?: boolean;
}

/** `GET /workspace/ai`: the AI provider and its limits (the API key itself is never returned). */
export type AiSettings =
  | { configured: false; credits_formula: string }
  | {
      configured: true;
      base_url: string;
      model: string;
      auth: "bearer" | "api-key";
      api_key_set: boolean;
      timeout_ms: number;
      max_tokens: number;
      transcription_model: string;
      business_prompt: string;
      /** The language fixed replies are written in; null: detected. */
      language: string | null;
      /** Credits left; null: no limit. */
      credits: number | null;
      credits_formula: string;
      updated_at: string;
    };

export interface KnowledgeFile {
  name: string;
  /** `catalogue` or `document`. */
  kind: string;
  items: number;
  created_at: string;
}

export interface KnowledgeItem {
  /** `product`, `faq` or `document`. */
  kind: string;
  title: string;
  text: string;
  source: string;
}

/** `GET /lists`: a contact list and how many contacts it has. */
export interface ContactList {
  name: string;
  contacts: number;
}

/** A Cloud API number's message template as last synced (`GET /numbers/{id}/templates`). */
export interface MessageTemplate {
  name: string;
  language: string;
  category: string;
  status: string;
  approved: boolean;
  /** Meta's components: `[{type: "BODY", text: "Hi {{1}}"}, ...]`. */
  components: Array<{ type: string; text?: string; format?: string }>;
  synced_at: string;
}

/** A parameter of a template header or body. */
export type TemplateParam = { type: "text"; text: string } | { type: "media"; kind: string; link: string };

/** A template message as sent (`{"type": "template", ...}`). */
export interface TemplateContent {
  type: "template";
  name: string;
  language: string;
  header?: TemplateParam[];
  body?: TemplateParam[];
  buttons?: Array<{ index: number; sub_type: string; value: string }>;
}

export type ScheduledState = "pending" | "sending" | "sent" | "failed" | "cancelled";

/** A message to one phone at a local date-time (`/scheduled`). */
export interface ScheduledMessage {
  id: string;
  number_id: string;
  phone: string;
  contact_id: string | null;
  /** The local wall time, `2026-03-30T09:00`, in `time_zone`. */
  at: string;
  time_zone: string;
  /** When it goes, in UTC. */
  due_at: string;
  message_type: string;
  /** A readable summary of the content. */
  text: string;
  content: Record<string, unknown> | null;
  fallback: TemplateContent | null;
  state: ScheduledState;
  error: string | null;
  message_id: string | null;
  message_status: string | null;
  sent_at: string | null;
  created_at: string;
  updated_at: string;
  /** Only in the answer to a create or an edit: what may go wrong at send time. */
  warnings?: string[];
}

/** Who a campaign goes to. */
export type Audience = ({ list: string } | { tag: string } | { field: { name: string; equals: string } } | { all: true }) & {
  exclude_tag?: string;
};

/** What a campaign sends. */
export type CampaignContent = { template: TemplateContent } | { text: string } | { workflow_id: string };

export type CampaignState = "scheduled" | "sending" | "paused" | "completed" | "cancelled";

export interface CampaignTotals {
  recipients: number;
  pending: number;
  queued: number;
  /** Every message that left: sent + delivered + read. */
  sent: number;
  /** Delivered + read. */
  delivered: number;
  read: number;
  replied: number;
  failed: number;
  /** Sent, but whether WhatsApp has it is not known (the server stopped mid-send). */
  uncertain?: number;
  skipped: number;
  cancelled: number;
}

export interface Campaign {
  id: string;
  name: string;
  state: CampaignState;
  audience: Audience;
  content: CampaignContent;
  number_ids: string[];
  start_at: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  expected_seconds: number;
  totals: CampaignTotals;
}

/** `POST /campaigns/preview`: who the campaign would reach, and its message for one of them. */
export interface CampaignPreview {
  audience: number;
  sendable: number;
  skipped: { blocked: number; excluded: number; opted_out: number } & Record<string, number>;
  expected_seconds: number;
  warnings: string[];
  /** The message as the first sendable recipient gets it (`text` null: nothing to show, e.g. a workflow). */
  sample: { contact: Partial<Contact>; text: string | null; content?: TemplateContent | null } | null;
}

/** One recipient of a campaign. */
export interface Recipient {
  contact_id: string;
  phone: string;
  name: string;
  number_id: string | null;
  /** pending, queued, sent, delivered, read, replied, failed, uncertain, skipped, cancelled (started: a workflow's run). */
  status: string;
  reason: string | null;
  message_id: string | null;
  run_id?: string | null;
  sent_at: string | null;
  replied_at: string | null;
}

/** A contact import (`/contacts/imports`): its progress while running, its result when done. */
export interface ContactImport {
  id: string;
  state: "running" | "done" | "failed";
  file_bytes: number;
  bytes_read: number;
  rows: number;
  created: number;
  updated: number;
  bad: number;
  bad_rows: Array<{ line: number; reason: string }>;
  error: string | null;
  created_at: string;
  finished_at: string | null;
}

/** `GET/PUT /workspace/opt-out`: the stop words and the confirmation reply ('' = none). */
export interface OptOutSettings {
  words: string[];
  reply: string;
}
