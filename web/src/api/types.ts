// The shapes the REST API answers with: taken from schema.d.ts, which `npm run api-types`
// generates from the server's OpenAPI document (derived from its Rust types), narrowed where the
// server's type is looser than what the dashboard relies on (a role is one of three strings, a
// workflow document is the builder's type). Types with no schema (request shapes the pages build,
// unions the server checks by hand) stay written here.

import type { WorkflowDocument } from "../builder/document";
import type { components } from "./schema";

type Schemas = components["schemas"];

export interface Page<T> {
  data: T[];
  next_cursor?: string | null;
}

export type Agent = Omit<Schemas["Agent"], "role"> & {
  /** The server's `owner`, `admin` or `agent` (a string in the schema). */
  role: "owner" | "admin" | "agent";
};

export type Workspace = Omit<Schemas["WorkspaceView"], "business_hours" | "holidays"> & {
  business_hours: Record<string, string[]>;
  holidays: string[];
};

export type WaNumber = Schemas["Number"];

/** A workflow; its document is typed by the builder (the schema describes it loosely). */
export type Workflow = Omit<Schemas["Workflow"], "document"> & { document: WorkflowDocument };

export type Counters = Schemas["CounterSet"];

export type WorkflowCounters = Schemas["Counters"];

export type VersionInfo = Schemas["VersionInfo"];

export type DiffChange = Schemas["DiffChange"];

export type Contact = Omit<Schemas["Contact"], "fields"> & {
  /** Custom fields: text, numbers, booleans or null. */
  fields: Record<string, string | number | boolean | null>;
};

export type Conversation = Schemas["Conversation"];

export type Message = Schemas["Message"];

/** What became of a sandbox message; `message_id` is null for a duplicate. */
export type IntakeOutcome = Omit<Schemas["InboundAnswer"], "message_id"> & { message_id: string | null };

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

/** A log entry; `detail` is free-form (its shape depends on `kind`). */
export type LogEntry = Omit<Schemas["LogEntry"], "detail"> & { detail: Record<string, unknown> };

export type Run = Schemas["Run"];

export type WorkflowTemplate = Omit<Schemas["GalleryTemplate"], "document"> & { document: WorkflowDocument };

/** `GET /workspace/ai`: the AI provider and its limits (the API key itself is never returned). */
export type AiSettings =
  | (Omit<Schemas["AiNotConfigured"], "configured"> & { configured: false })
  | (Omit<Schemas["AiProvider"], "configured" | "auth"> & { configured: true; auth: "bearer" | "api-key" });

export type KnowledgeFile = Schemas["KnowledgeFile"];

export type KnowledgeItem = Schemas["KnowledgeRow"];

/** `GET /lists`: a contact list and how many contacts it has. */
export type ContactList = Schemas["ListSize"];

/** A Cloud API number's message template as last synced (`GET /numbers/{id}/templates`). */
export type MessageTemplate = Omit<Schemas["MessageTemplate"], "components"> & {
  /** Meta's components: `[{type: "BODY", text: "Hi {{1}}"}, ...]`. */
  components: Array<{ type: string; text?: string; format?: string }>;
};

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
export type ScheduledMessage = Omit<Schemas["Scheduled"], "state" | "content" | "fallback"> & {
  state: ScheduledState;
  content: Record<string, unknown> | null;
  fallback: TemplateContent | null;
  /** Only in the answer to a create or an edit: what may go wrong at send time. */
  warnings?: string[];
};

/** Who a campaign goes to. */
export type Audience = ({ list: string } | { tag: string } | { field: { name: string; equals: string } } | { all: true }) & {
  exclude_tag?: string;
};

/** What a campaign sends. */
export type CampaignContent = { template: TemplateContent } | { text: string } | { workflow_id: string };

export type CampaignState = "scheduled" | "sending" | "paused" | "completed" | "cancelled";

export type CampaignTotals = Schemas["CampaignTotals"];

export type Campaign = Omit<Schemas["Campaign"], "state" | "audience" | "content"> & {
  state: CampaignState;
  audience: Audience;
  content: CampaignContent;
};

/** `POST /campaigns/preview`: who the campaign would reach, and its message for one of them. */
export type CampaignPreview = Omit<Schemas["CampaignPreview"], "sample"> & {
  /** The message as the first sendable recipient gets it (`text` null: nothing to show, e.g. a workflow). */
  sample?: { contact: Partial<Contact>; text?: string | null; content?: TemplateContent | null } | null;
};

/** One recipient of a campaign. */
export type Recipient = Schemas["Recipient"];

/** A contact import (`/contacts/imports`): its progress while running, its result when done. */
export type ContactImport = Omit<Schemas["ContactImport"], "state"> & { state: "running" | "done" | "failed" };

/** `GET/PUT /workspace/opt-out`: the stop words and the confirmation reply ('' = none). */
export type OptOutSettings = Schemas["OptOutView"];
