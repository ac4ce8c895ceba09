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
