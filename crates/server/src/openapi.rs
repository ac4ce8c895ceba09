//! The OpenAPI document at `/api/v1/openapi.json`, built with utoipa from the route table below.
//!
//! The table is the one list of our endpoints with their summaries; a test checks that every
//! route it names answers (with 401 without a token), so the document cannot drift from the router.
//! Every route names its request and answer ([`typed`]): the schemas are derived from the Rust
//! types the handlers read and answer with (`utoipa::ToSchema`), and a test fails when a route
//! has none. The dashboard's TypeScript types are generated from this document
//! (`web/src/api/schema.d.ts`, `npm run api-types`).

use axum::Json;
use std::collections::BTreeMap;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItemBuilder,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{KnownFormat, Object, SchemaFormat, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Required,
};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Schema};
use utoipa::ToSchema;

/// (method, path, tag, summary) of every API endpoint.
pub const ROUTES: &[(&str, &str, &str, &str)] = &[
    ("get", "/api/v1/workspace", "workspace", "Read the workspace settings: time zone, business hours, holidays"),
    ("put", "/api/v1/workspace", "workspace", "Change the workspace settings (all fields validated before any is written)"),
    ("put", "/api/v1/workspace/events-webhook", "workspace", "Set (or clear with null) the URL that receives signed event webhooks (number.status)"),
    ("get", "/api/v1/workspace/ai", "ai", "Read the AI settings: provider, model, business prompt, language, credits (the API key is never returned)"),
    ("put", "/api/v1/workspace/ai", "ai", "Set the AI provider (any OpenAI-compatible API), its sealed API key, timeouts, business prompt, language and credits"),
    ("get", "/api/v1/workspace/knowledge", "ai", "The knowledge files (catalogues, FAQ, documents) and their item counts"),
    ("get", "/api/v1/workspace/knowledge/search", "ai", "The knowledge items an AI reply to ?q= would be given, best first"),
    ("put", "/api/v1/workspace/knowledge/{name}", "ai", "Upload a catalogue (CSV incl. Shopify/WooCommerce exports, JSON) or a document (.md, .txt, .pdf); replaces a file of the same name"),
    ("delete", "/api/v1/workspace/knowledge/{name}", "ai", "Delete a knowledge file and its items"),
    ("get", "/api/v1/workspace/webhook-secret", "workspace", "The secret that signs the workspace's webhook steps (X-Waflow-Signature)"),
    ("post", "/api/v1/auth/login", "agents", "Sign in to the dashboard (email, password); answers a token tied to the agent"),
    ("get", "/api/v1/setup", "agents", "Whether the server still waits for its first owner (public; true only while no owner exists)"),
    ("post", "/api/v1/setup", "agents", "Create the first owner from the dashboard (email, password, name) and sign them in; 409 once any owner exists"),
    ("get", "/api/v1/onboarding", "workspace", "The first-hour checklist: a number connected, a workflow created, a draft tested, a workflow live"),
    ("get", "/api/v1/stats", "workspace", "The home page's figures per local day for ?days=7|30|90: messages in and out, runs, failures, AI credits; per workflow; the numbers' health"),
    ("get", "/api/v1/auth/me", "agents", "The agent signed in with this token (null for an API token)"),
    ("post", "/api/v1/auth/logout", "agents", "Sign out: revoke the token this request is made with (401 from then on)"),
    ("get", "/api/v1/auth/tokens", "agents", "The workspace's tokens without their secrets (an agent who is not owner: their own sign-ins)"),
    ("delete", "/api/v1/auth/tokens/{id}", "agents", "Revoke a token (an agent who is not owner: one of their own sign-ins)"),
    ("get", "/api/v1/agents", "agents", "List agents"),
    ("get", "/api/v1/notifications", "agents", "Notifications for agents (notify_agent steps), newest first; ?agent_id="),
    ("post", "/api/v1/notifications/{id}/read", "agents", "Mark a notification read"),
    ("post", "/api/v1/agents", "agents", "Create an agent (name, email, role)"),
    ("get", "/api/v1/agents/{id}", "agents", "Read an agent"),
    ("patch", "/api/v1/agents/{id}", "agents", "Change an agent's name or role"),
    ("delete", "/api/v1/agents/{id}", "agents", "Delete an agent; their contacts become unassigned"),
    ("get", "/api/v1/workflows/{id}/draft", "workflows", "Read the workflow's draft (null when none)"),
    ("put", "/api/v1/workflows/{id}/draft", "workflows", "Save a draft (validated; the live version is untouched)"),
    ("delete", "/api/v1/workflows/{id}/draft", "workflows", "Discard the draft"),
    ("post", "/api/v1/workflows/{id}/publish", "workflows", "Publish the draft as the next immutable version; running runs keep theirs"),
    ("get", "/api/v1/workflows/{id}/versions", "workflows", "List the workflow's versions"),
    ("get", "/api/v1/workflows/{id}/versions/{version}", "workflows", "Read one version's document (or `draft`)"),
    ("get", "/api/v1/workflows/{id}/diff", "workflows", "What changed between two versions (?from=&to=, `to` may be draft)"),
    ("get", "/api/v1/workflows/{id}/counters", "workflows", "Counters of the workflow and of each step: entered, completed, failed, sent, replied"),
    ("get", "/api/v1/workflows/{id}/integration", "workflows", "The integration URL of an `integration` workflow and its secret"),
    ("post", "/api/v1/workflows/{id}/start", "workflows", "Start an `outbound` workflow for phones, contact ids, a tag filter, or a CSV upload (text/csv with a phone column)"),
    ("post", "/hooks/{id}", "webhooks", "Start an `integration` workflow: JSON payload mapped to the contact, fields and variables; Authorization: Bearer <its secret>"),
    ("get", "/api/v1/numbers", "numbers", "List numbers with their channel and status"),
    ("post", "/api/v1/numbers", "numbers", "Add a number: sandbox, cloud_api with its credentials (sealed, never returned), or linked_device (starts QR pairing; pair_phone for a phone code)"),
    ("get", "/api/v1/numbers/{id}", "numbers", "Read a number"),
    ("patch", "/api/v1/numbers/{id}", "numbers", "Change a number's label or modules (automation, marketing)"),
    ("delete", "/api/v1/numbers/{id}", "numbers", "Delete a number; workflows scoped to it become global"),
    ("get", "/api/v1/numbers/{id}/qr", "numbers", "The QR code (text and SVG) or phone pairing code of a linked-device number while it pairs; 404 otherwise"),
    ("get", "/api/v1/numbers/{id}/session", "numbers", "A linked-device number's session: running, paired, the phone it is linked to"),
    ("get", "/api/v1/numbers/{id}/events", "numbers", "A linked-device number's status changes and QR codes, live (server-sent events)"),
    ("post", "/api/v1/numbers/{id}/reconnect", "numbers", "Forget a linked-device number's session and pair again (a new QR code)"),
    ("post", "/api/v1/numbers/{id}/sandbox/inbound", "sandbox", "Inject a message from a contact into a sandbox number; returns once it is stored and evaluated"),
    ("get", "/api/v1/numbers/{id}/sandbox/outbox", "sandbox", "List what waflow sent from a sandbox number (oldest first, cursor `after`)"),
    ("get", "/api/v1/numbers/{id}/templates", "numbers", "List a Cloud API number's message templates as last synced, with which are approved"),
    ("post", "/api/v1/numbers/{id}/templates/sync", "numbers", "Fetch a Cloud API number's message templates from the Graph API"),
    ("post", "/api/v1/numbers/{id}/check", "numbers", "Check a Cloud API number's connection: calls the Graph API with its credentials and answers what Meta says"),
    ("post", "/api/v1/numbers/{id}/media", "numbers", "Upload a file (body, Content-Type, ?filename=) for a Cloud API number; answers the media id to send it by"),
    ("get", "/webhooks/cloud_api/{id}", "webhooks", "Meta's verification handshake (hub.mode, hub.verify_token, hub.challenge)"),
    ("post", "/webhooks/cloud_api/{id}", "webhooks", "Meta's signed webhook deliveries (X-Hub-Signature-256); stored, then acknowledged"),
    ("get", "/api/v1/contacts", "contacts", "List contacts (filters: tag, search; cursor pagination)"),
    ("post", "/api/v1/contacts", "contacts", "Create a contact; starts contact_created workflows"),
    ("get", "/api/v1/contacts/{id}", "contacts", "Read a contact"),
    ("patch", "/api/v1/contacts/{id}", "contacts", "Change name, tags, fields, assigned agent, blocked, excluded_from_automation, opted_out (of marketing)"),
    ("get", "/api/v1/workspace/opt-out", "workspace", "The stop words that opt a contact out of marketing, and the confirmation reply"),
    ("put", "/api/v1/workspace/opt-out", "workspace", "Change the stop words and the confirmation reply"),
    ("get", "/api/v1/scheduled", "scheduled", "Scheduled messages by tab (pending, sent, failed, cancelled, all) and period (today, 7d, 30d, 90d, custom from/to)"),
    ("post", "/api/v1/scheduled", "scheduled", "Schedule a message to a phone from a number at a local date-time (text, rich content, or a template; a fallback template for a text)"),
    ("get", "/api/v1/scheduled/{id}", "scheduled", "Read a scheduled message and what became of it"),
    ("patch", "/api/v1/scheduled/{id}", "scheduled", "Change a pending scheduled message"),
    ("post", "/api/v1/scheduled/{id}/cancel", "scheduled", "Cancel a pending scheduled message"),
    ("get", "/api/v1/campaigns", "campaigns", "Campaigns, newest first, with their totals"),
    ("post", "/api/v1/campaigns", "campaigns", "Create a campaign: audience (list, tag, field, all), numbers with marketing on, content (template, text or workflow_id), start_at"),
    ("post", "/api/v1/campaigns/preview", "campaigns", "The audience count minus skipped contacts, the expected duration, warnings and the first recipient's message"),
    ("get", "/api/v1/campaigns/{id}", "campaigns", "Read a campaign and its totals"),
    ("post", "/api/v1/campaigns/{id}/pause", "campaigns", "Pause: queued messages are held"),
    ("post", "/api/v1/campaigns/{id}/resume", "campaigns", "Resume a paused campaign"),
    ("post", "/api/v1/campaigns/{id}/cancel", "campaigns", "Cancel: nothing more is sent"),
    ("get", "/api/v1/campaigns/{id}/recipients", "campaigns", "Recipients in sending order with their status (filter: status)"),
    ("get", "/api/v1/campaigns/{id}/export", "campaigns", "Every recipient as CSV"),
    ("delete", "/api/v1/contacts/{id}", "contacts", "Delete a contact, its conversations and runs"),
    ("post", "/api/v1/contacts/imports", "contacts", "Import contacts from a CSV body (text/csv, streamed; ?mapping= JSON header -> phone|name|tags|lists|field:<name>[:text|number|date|bool]|ignore, ?default_country=IT|+39, ?list=, ?tag=): 202, then runs in the background; re-importing updates, never duplicates"),
    ("get", "/api/v1/contacts/imports", "contacts", "The workspace's last 100 contact imports, newest first"),
    ("get", "/api/v1/contacts/imports/{id}", "contacts", "A contact import: state, bytes_read of file_bytes, rows, created, updated, bad and the first 1,000 bad rows (line, reason)"),
    ("post", "/api/v1/contacts/{id}/tags", "contacts", "Add tags to a contact"),
    ("delete", "/api/v1/contacts/{id}/tags/{tag}", "contacts", "Remove a tag from a contact"),
    ("delete", "/api/v1/contacts/{id}/runs", "contacts", "Remove the contact from all its runs: active and waiting runs end, their timers are dropped"),
    ("get", "/api/v1/contacts/{id}/runs", "runs", "List the runs of a contact"),
    ("get", "/api/v1/runs/{id}", "runs", "Read a run: state, current step, variables, history"),
    ("post", "/api/v1/contacts/{id}/lists", "lists", "Add a contact to lists and remove it from others (add, remove); starts list_added workflows"),
    ("get", "/api/v1/lists", "lists", "List the workspace's lists with their sizes"),
    ("post", "/api/v1/lists/{name}/contacts", "lists", "Add contacts (contact_ids) to a list; starts its list_added workflows for each"),
    ("get", "/api/v1/tickets", "tickets", "List tickets (filters: status, contact_id; cursor pagination)"),
    ("post", "/api/v1/tickets", "tickets", "Open a ticket on a contact (contact_id, subject, number_id); 409 if one is open"),
    ("get", "/api/v1/tickets/{id}", "tickets", "Read a ticket with its status history"),
    ("patch", "/api/v1/tickets/{id}", "tickets", "Change a ticket's status (open, pending, closed); starts ticket_status_changed workflows"),
    ("get", "/api/v1/workflow-templates", "workflows", "The template gallery: built-in templates and the workspace's own"),
    ("post", "/api/v1/workflow-templates", "workflows", "Save a workflow as a template (workflow_id, name, description)"),
    ("delete", "/api/v1/workflow-templates/{id}", "workflows", "Delete one of the workspace's own templates"),
    ("post", "/api/v1/workflow-templates/{id}/use", "workflows", "Create a workflow from a template (name, agent, active)"),
    ("post", "/api/v1/workflows/{id}/test", "workflows", "Test run: the draft runs on the sandbox number for the contact `from`; with `text`, the test chat's message is decided as live would (trigger, conditions; a waiting test run resumed) and the why comes back when nothing runs"),
    ("get", "/api/v1/workflows/{id}/overlaps", "workflows", "The other live workflows that would also take this workflow's messages (same trigger, number, priority) and why"),
    ("get", "/api/v1/conversations", "conversations", "List conversations, most recent first"),
    ("get", "/api/v1/conversations/{id}", "conversations", "Read a conversation"),
    ("post", "/api/v1/conversations/{id}/read", "conversations", "Mark the conversation read up to its latest message (unread becomes 0)"),
    ("post", "/api/v1/conversations/{id}/automation/resume", "conversations", "End a takeover: automation runs again for the conversation's contact"),
    ("get", "/api/v1/conversations/{id}/messages", "conversations", "List a conversation's messages, oldest first"),
    ("post", "/api/v1/conversations/{id}/messages", "conversations", "Send a text, or rich `content` (buttons, list, media, template, reaction) checked against WhatsApp limits, as an agent or API client"),
    ("get", "/api/v1/messages", "conversations", "List outbound messages in one state (`status=uncertain`: sends interrupted before the provider answered, with the reason)"),
    ("post", "/api/v1/conversations/{id}/messages/{message_id}/resend", "conversations", "Send an uncertain or failed outbound message again (its delivery was interrupted or refused; WhatsApp may show it twice)"),
    ("get", "/api/v1/workflows", "workflows", "List workflows by priority (filters: search, active, trigger)"),
    ("post", "/api/v1/workflows", "workflows", "Create a workflow from a JSON or YAML document"),
    ("post", "/api/v1/workflows/bulk", "workflows", "Activate, deactivate or delete several workflows at once"),
    ("get", "/api/v1/workflows/{id}", "workflows", "Read a workflow (format=yaml exports its document)"),
    ("put", "/api/v1/workflows/{id}", "workflows", "Replace a workflow's document (a new version)"),
    ("delete", "/api/v1/workflows/{id}", "workflows", "Delete a workflow"),
    ("post", "/api/v1/workflows/{id}/activate", "workflows", "Activate a workflow"),
    ("post", "/api/v1/workflows/{id}/deactivate", "workflows", "Deactivate a workflow"),
    ("put", "/api/v1/workflows/{id}/priority", "workflows", "Set a workflow's priority (lower runs first)"),
    ("get", "/api/v1/logs", "logs", "List log entries (period, workflow_id, contact_id, number_id, outcome, kind; cursor pagination)"),
    ("get", "/api/v1/logs/{id}", "logs", "Read one log entry with its full reasoning"),
];

fn method(name: &str) -> HttpMethod {
    match name {
        "post" => HttpMethod::Post,
        "put" => HttpMethod::Put,
        "patch" => HttpMethod::Patch,
        "delete" => HttpMethod::Delete,
        _ => HttpMethod::Get,
    }
}

/// A JSON body: the name of its schema, and that schema with those it refers to.
struct Body {
    name: String,
    schemas: Vec<(String, RefOr<Schema>)>,
}

fn body<T: ToSchema>() -> Body {
    let name = T::name().into_owned();
    let mut schemas = vec![(name.clone(), T::schema())];
    T::schemas(&mut schemas);
    Body { name, schemas }
}

/// What a route reads.
enum Request {
    /// No body: the path (and query) say it all.
    Bodyless,
    /// A JSON body.
    Json(Body),
    /// A workflow document: JSON, or YAML with a YAML content type.
    Document(Body),
    /// A JSON body, or a CSV file (`text/csv`).
    JsonOrCsv(Body, &'static str),
    /// A file, as it is: its content types and what it is.
    File(&'static [&'static str], &'static str),
}

/// What a route answers on success.
enum Answer {
    /// A JSON body with this status.
    Json(&'static str, Body),
    /// A JSON body, or YAML with `?format=yaml`.
    JsonOrYaml(Body),
    /// No body (204 No Content, or Meta's bare 200).
    Empty(&'static str),
    /// Not JSON: a content type and what it holds.
    Other(&'static str, &'static str, &'static str),
}

/// A route's typed bodies: what it reads and what it answers on success.
struct Typed {
    method: &'static str,
    path: &'static str,
    request: Request,
    answer: Answer,
}

fn json<T: ToSchema>() -> Request {
    Request::Json(body::<T>())
}

fn ok<T: ToSchema>() -> Answer {
    Answer::Json("200", body::<T>())
}

fn created<T: ToSchema>() -> Answer {
    Answer::Json("201", body::<T>())
}

fn no_content() -> Answer {
    Answer::Empty("204")
}

/// Every route's bodies: each route of [`ROUTES`] has one row (a test checks it), and says
/// explicitly when it reads no body.
fn typed() -> Vec<Typed> {
    use crate::auth::{LoginAnswer, LoginRequest, Me};
    use crate::extract::DocumentBody;
    use crate::linked::Pairing;
    use crate::routes::{
        agents, ai, campaigns, cloud_numbers, contacts, conversations, draft_test, first_hour,
        hooks, imports, linked_numbers, logs, numbers, records, scheduled, templates, tokens,
        versions, workflows, workspace,
    };
    use waflow_store::{
        Agent, Campaign, Contact, ContactImport, ContactPatch, Conversation, LogEntry, Message,
        Number, Run, Ticket, Workflow, WorkflowTemplate,
    };
    use Request::Bodyless;
    let t = |method, path, request, answer| Typed {
        method,
        path,
        request,
        answer,
    };
    let document = || Request::Document(body::<DocumentBody>());
    vec![
        t("get", "/api/v1/workspace", Bodyless, ok::<workspace::WorkspaceView>()),
        t("put", "/api/v1/workspace", json::<workspace::WorkspaceChanges>(), ok::<workspace::WorkspaceView>()),
        t("put", "/api/v1/workspace/events-webhook", json::<linked_numbers::EventsWebhook>(), ok::<linked_numbers::EventsWebhook>()),
        t("get", "/api/v1/workspace/ai", Bodyless, ok::<ai::AiView>()),
        t("put", "/api/v1/workspace/ai", json::<ai::AiChanges>(), ok::<ai::AiView>()),
        t("get", "/api/v1/workspace/knowledge", Bodyless, ok::<ai::KnowledgeFiles>()),
        t("get", "/api/v1/workspace/knowledge/search", Bodyless, ok::<ai::KnowledgeHits>()),
        t("put", "/api/v1/workspace/knowledge/{name}", Request::File(&["text/csv", "application/json", "text/markdown", "text/plain", "application/pdf"], "The file: a catalogue (CSV, JSON) or a document (Markdown, text, PDF)"), created::<ai::KnowledgeUpload>()),
        t("delete", "/api/v1/workspace/knowledge/{name}", Bodyless, no_content()),
        t("get", "/api/v1/workspace/webhook-secret", Bodyless, ok::<hooks::WebhookSecret>()),
        t("post", "/api/v1/auth/login", json::<LoginRequest>(), ok::<LoginAnswer>()),
        t("get", "/api/v1/setup", Bodyless, ok::<first_hour::SetupState>()),
        t("post", "/api/v1/setup", json::<first_hour::SetupRequest>(), created::<LoginAnswer>()),
        t("get", "/api/v1/onboarding", Bodyless, ok::<waflow_store::Onboarding>()),
        t("get", "/api/v1/stats", Bodyless, ok::<first_hour::Stats>()),
        t("get", "/api/v1/auth/me", Bodyless, ok::<Me>()),
        t("post", "/api/v1/auth/logout", Bodyless, no_content()),
        t("get", "/api/v1/auth/tokens", Bodyless, ok::<tokens::TokenList>()),
        t("delete", "/api/v1/auth/tokens/{id}", Bodyless, no_content()),
        t("get", "/api/v1/agents", Bodyless, ok::<agents::AgentList>()),
        t("get", "/api/v1/notifications", Bodyless, ok::<agents::NotificationList>()),
        t("post", "/api/v1/notifications/{id}/read", Bodyless, no_content()),
        t("post", "/api/v1/agents", json::<agents::NewAgent>(), created::<Agent>()),
        t("get", "/api/v1/agents/{id}", Bodyless, ok::<Agent>()),
        t("patch", "/api/v1/agents/{id}", json::<agents::AgentChanges>(), ok::<Agent>()),
        t("delete", "/api/v1/agents/{id}", Bodyless, no_content()),
        t("get", "/api/v1/workflows/{id}/draft", Bodyless, ok::<versions::Draft>()),
        t("put", "/api/v1/workflows/{id}/draft", document(), ok::<versions::Draft>()),
        t("delete", "/api/v1/workflows/{id}/draft", Bodyless, no_content()),
        t("post", "/api/v1/workflows/{id}/publish", Bodyless, ok::<Workflow>()),
        t("get", "/api/v1/workflows/{id}/versions", Bodyless, ok::<versions::VersionList>()),
        t("get", "/api/v1/workflows/{id}/versions/{version}", Bodyless, ok::<versions::VersionDocument>()),
        t("get", "/api/v1/workflows/{id}/diff", Bodyless, ok::<versions::Diff>()),
        t("get", "/api/v1/workflows/{id}/counters", Bodyless, ok::<versions::Counters>()),
        t("get", "/api/v1/workflows/{id}/integration", Bodyless, ok::<hooks::IntegrationUrl>()),
        t("post", "/api/v1/workflows/{id}/start", Request::JsonOrCsv(body::<hooks::OutboundTargets>(), "A CSV with a `phone` column (and `name`); other columns become contact fields"), ok::<hooks::OutboundStarted>()),
        t("post", "/hooks/{id}", json::<hooks::Payload>(), created::<hooks::IntegrationStarted>()),
        t("get", "/api/v1/numbers", Bodyless, ok::<numbers::NumberList>()),
        t("post", "/api/v1/numbers", json::<numbers::NewNumberBody>(), created::<Number>()),
        t("get", "/api/v1/numbers/{id}", Bodyless, ok::<cloud_numbers::NumberView>()),
        t("post", "/api/v1/numbers/{id}/check", Bodyless, ok::<cloud_numbers::CheckAnswer>()),
        t("patch", "/api/v1/numbers/{id}", json::<numbers::NumberChanges>(), ok::<Number>()),
        t("delete", "/api/v1/numbers/{id}", Bodyless, no_content()),
        t("get", "/api/v1/numbers/{id}/qr", Bodyless, ok::<Pairing>()),
        t("get", "/api/v1/numbers/{id}/session", Bodyless, ok::<linked_numbers::SessionView>()),
        t("get", "/api/v1/numbers/{id}/events", Bodyless, Answer::Other("200", "text/event-stream", "Server-sent events: `number.status` {status, reason}, `number.qr` {pairing}, `number.pair_code` {pairing}, `number.paired` {phone}")),
        t("post", "/api/v1/numbers/{id}/reconnect", Bodyless, Answer::Json("202", body::<linked_numbers::Reconnecting>())),
        t("post", "/api/v1/numbers/{id}/sandbox/inbound", json::<numbers::SandboxInbound>(), ok::<numbers::InboundAnswer>()),
        t("get", "/api/v1/numbers/{id}/sandbox/outbox", Bodyless, ok::<numbers::OutboxPage>()),
        t("get", "/api/v1/numbers/{id}/templates", Bodyless, ok::<cloud_numbers::TemplateList>()),
        t("post", "/api/v1/numbers/{id}/templates/sync", Bodyless, ok::<cloud_numbers::TemplateList>()),
        t("post", "/api/v1/numbers/{id}/media", Request::File(&["*/*"], "The file, with its own Content-Type (e.g. image/jpeg)"), created::<cloud_numbers::MediaUpload>()),
        t("get", "/webhooks/cloud_api/{id}", Bodyless, Answer::Other("200", "text/plain", "`hub.challenge`, echoed")),
        t("post", "/webhooks/cloud_api/{id}", Request::File(&["application/json"], "Meta's webhook payload, signed with the app secret (X-Hub-Signature-256)"), Answer::Empty("200")),
        t("get", "/api/v1/contacts", Bodyless, ok::<contacts::ContactPage>()),
        t("post", "/api/v1/contacts", json::<contacts::NewContact>(), created::<contacts::CreatedContact>()),
        t("get", "/api/v1/contacts/{id}", Bodyless, ok::<Contact>()),
        t("patch", "/api/v1/contacts/{id}", json::<ContactPatch>(), ok::<Contact>()),
        t("get", "/api/v1/workspace/opt-out", Bodyless, ok::<workspace::OptOutView>()),
        t("put", "/api/v1/workspace/opt-out", json::<workspace::OptOutChanges>(), ok::<workspace::OptOutView>()),
        t("get", "/api/v1/scheduled", Bodyless, ok::<scheduled::ScheduledPage>()),
        t("post", "/api/v1/scheduled", json::<scheduled::ScheduledBody>(), created::<scheduled::ScheduledView>()),
        t("get", "/api/v1/scheduled/{id}", Bodyless, ok::<scheduled::ScheduledView>()),
        t("patch", "/api/v1/scheduled/{id}", json::<scheduled::ScheduledBody>(), ok::<scheduled::ScheduledView>()),
        t("post", "/api/v1/scheduled/{id}/cancel", Bodyless, ok::<scheduled::ScheduledView>()),
        t("get", "/api/v1/campaigns", Bodyless, ok::<campaigns::CampaignPage>()),
        t("post", "/api/v1/campaigns", json::<campaigns::CampaignBody>(), created::<campaigns::CreatedCampaign>()),
        t("post", "/api/v1/campaigns/preview", json::<campaigns::CampaignBody>(), ok::<campaigns::CampaignPreview>()),
        t("get", "/api/v1/campaigns/{id}", Bodyless, ok::<Campaign>()),
        t("post", "/api/v1/campaigns/{id}/pause", Bodyless, ok::<Campaign>()),
        t("post", "/api/v1/campaigns/{id}/resume", Bodyless, ok::<Campaign>()),
        t("post", "/api/v1/campaigns/{id}/cancel", Bodyless, ok::<Campaign>()),
        t("get", "/api/v1/campaigns/{id}/recipients", Bodyless, ok::<campaigns::RecipientPage>()),
        t("get", "/api/v1/campaigns/{id}/export", Bodyless, Answer::Other("200", "text/csv", "Every recipient, one line each")),
        t("delete", "/api/v1/contacts/{id}", Bodyless, no_content()),
        t("post", "/api/v1/contacts/imports", Request::File(&["text/csv"], "The contacts, one row each, with a header row"), Answer::Json("202", body::<ContactImport>())),
        t("get", "/api/v1/contacts/imports", Bodyless, ok::<imports::ImportList>()),
        t("get", "/api/v1/contacts/imports/{id}", Bodyless, ok::<ContactImport>()),
        t("post", "/api/v1/contacts/{id}/tags", json::<contacts::NewTags>(), ok::<Contact>()),
        t("delete", "/api/v1/contacts/{id}/tags/{tag}", Bodyless, ok::<Contact>()),
        t("delete", "/api/v1/contacts/{id}/runs", Bodyless, ok::<contacts::EndedRuns>()),
        t("get", "/api/v1/contacts/{id}/runs", Bodyless, ok::<contacts::RunList>()),
        t("get", "/api/v1/runs/{id}", Bodyless, ok::<Run>()),
        t("post", "/api/v1/contacts/{id}/lists", json::<records::ListChanges>(), ok::<Contact>()),
        t("get", "/api/v1/lists", Bodyless, ok::<records::ListSizes>()),
        t("post", "/api/v1/lists/{name}/contacts", json::<records::NewListMembers>(), ok::<records::ListAdded>()),
        t("get", "/api/v1/tickets", Bodyless, ok::<records::TicketPage>()),
        t("post", "/api/v1/tickets", json::<records::NewTicket>(), created::<Ticket>()),
        t("get", "/api/v1/tickets/{id}", Bodyless, ok::<Ticket>()),
        t("patch", "/api/v1/tickets/{id}", json::<records::TicketChange>(), ok::<Ticket>()),
        t("get", "/api/v1/workflow-templates", Bodyless, ok::<templates::Gallery>()),
        t("post", "/api/v1/workflow-templates", json::<templates::SaveTemplate>(), created::<WorkflowTemplate>()),
        t("delete", "/api/v1/workflow-templates/{id}", Bodyless, no_content()),
        t("post", "/api/v1/workflow-templates/{id}/use", json::<templates::UseTemplate>(), created::<Workflow>()),
        t("post", "/api/v1/workflows/{id}/test", json::<versions::TestRun>(), created::<versions::TestAnswer>()),
        t("get", "/api/v1/workflows/{id}/overlaps", Bodyless, ok::<draft_test::Overlaps>()),
        t("get", "/api/v1/conversations", Bodyless, ok::<conversations::ConversationPage>()),
        t("get", "/api/v1/conversations/{id}", Bodyless, ok::<Conversation>()),
        t("post", "/api/v1/conversations/{id}/read", Bodyless, no_content()),
        t("post", "/api/v1/conversations/{id}/automation/resume", Bodyless, ok::<Conversation>()),
        t("get", "/api/v1/conversations/{id}/messages", Bodyless, ok::<conversations::MessagePage>()),
        t("post", "/api/v1/conversations/{id}/messages", json::<conversations::SendMessage>(), created::<conversations::Queued>()),
        t("get", "/api/v1/messages", Bodyless, ok::<conversations::MessagePage>()),
        t("post", "/api/v1/conversations/{id}/messages/{message_id}/resend", Bodyless, ok::<Message>()),
        t("get", "/api/v1/workflows", Bodyless, ok::<workflows::WorkflowList>()),
        t("post", "/api/v1/workflows", document(), created::<Workflow>()),
        t("post", "/api/v1/workflows/bulk", json::<workflows::Bulk>(), ok::<workflows::BulkDone>()),
        t("get", "/api/v1/workflows/{id}", Bodyless, Answer::JsonOrYaml(body::<Workflow>())),
        t("put", "/api/v1/workflows/{id}", document(), ok::<Workflow>()),
        t("delete", "/api/v1/workflows/{id}", Bodyless, no_content()),
        t("post", "/api/v1/workflows/{id}/activate", Bodyless, ok::<Workflow>()),
        t("post", "/api/v1/workflows/{id}/deactivate", Bodyless, ok::<Workflow>()),
        t("put", "/api/v1/workflows/{id}/priority", json::<workflows::Priority>(), ok::<Workflow>()),
        t("get", "/api/v1/logs", Bodyless, ok::<logs::LogPage>()),
        t("get", "/api/v1/logs/{id}", Bodyless, ok::<LogEntry>()),
    ]
}

fn json_content(body: &Body) -> utoipa::openapi::Content {
    ContentBuilder::new()
        .schema(Some(Ref::from_schema_name(body.name.clone())))
        .build()
}

/// Content that is not JSON: a file, a stream, a text.
fn other_content(description: &str) -> utoipa::openapi::Content {
    let any = Object::builder()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
        .description(Some(description));
    ContentBuilder::new().schema(Some(any)).build()
}

impl Request {
    fn bodies(&self) -> Option<&Body> {
        match self {
            Request::Json(b) | Request::Document(b) | Request::JsonOrCsv(b, _) => Some(b),
            Request::Bodyless | Request::File(..) => None,
        }
    }

    fn build(&self) -> Option<utoipa::openapi::request_body::RequestBody> {
        let builder = RequestBodyBuilder::new().required(Some(Required::True));
        let builder = match self {
            Request::Bodyless => return None,
            Request::Json(b) => builder.content("application/json", json_content(b)),
            Request::Document(b) => builder
                .content("application/json", json_content(b))
                .content("application/yaml", json_content(b)),
            Request::JsonOrCsv(b, csv) => builder
                .content("application/json", json_content(b))
                .content("text/csv", other_content(csv)),
            Request::File(types, what) => types
                .iter()
                .fold(builder, |b, t| b.content(*t, other_content(what))),
        };
        Some(builder.build())
    }
}

impl Answer {
    fn status(&self) -> &'static str {
        match self {
            Answer::Json(s, _) | Answer::Empty(s) | Answer::Other(s, _, _) => s,
            Answer::JsonOrYaml(_) => "200",
        }
    }

    fn bodies(&self) -> Option<&Body> {
        match self {
            Answer::Json(_, b) | Answer::JsonOrYaml(b) => Some(b),
            Answer::Empty(_) | Answer::Other(..) => None,
        }
    }

    fn build(&self) -> ResponseBuilder {
        let success = ResponseBuilder::new().description("Success");
        match self {
            Answer::Json(_, b) => success.content("application/json", json_content(b)),
            Answer::JsonOrYaml(b) => success
                .content("application/json", json_content(b))
                .content(
                    "application/yaml",
                    other_content("The document alone, as YAML (`?format=yaml`)"),
                ),
            Answer::Empty(_) => success,
            Answer::Other(_, content_type, what) => {
                success.content(*content_type, other_content(what))
            }
        }
    }
}

/// The 429 that sign-in answers past a limit.
fn too_many() -> ResponseBuilder {
    let seconds = HeaderBuilder::new()
        .schema(Object::with_type(Type::Integer))
        .description(Some("Seconds to wait before trying again"))
        .build();
    ResponseBuilder::new()
        .description("Too many failed sign-ins for the email or from the address: `error.limit` names which (`sign_in_per_account`, `sign_in_per_address`)")
        .header("Retry-After", seconds)
}

/// Builds the document.
pub fn build() -> OpenApi {
    let mut items: BTreeMap<&str, PathItemBuilder> = BTreeMap::new();
    let typed = typed();
    let mut components = ComponentsBuilder::new();
    for body in typed
        .iter()
        .flat_map(|t| t.request.bodies().into_iter().chain(t.answer.bodies()))
    {
        for (name, schema) in &body.schemas {
            components = components.schema(name.clone(), schema.clone());
        }
    }
    for (verb, path, tag, summary) in ROUTES {
        let types = typed.iter().find(|t| t.method == *verb && t.path == *path);
        let mut op = OperationBuilder::new()
            .summary(Some(*summary))
            .tag(*tag)
            .response(
                "401",
                ResponseBuilder::new().description("Missing or unknown API token"),
            )
            .response(
                "4XX",
                ResponseBuilder::new().description(
                    "{\"error\": {\"code\", \"message\", \"field\"}} naming the bad field",
                ),
            );
        match types {
            Some(t) => {
                op = op
                    .response(t.answer.status(), t.answer.build())
                    .request_body(t.request.build());
            }
            None => op = op.response("200", ResponseBuilder::new().description("Success")),
        }
        if *path == "/api/v1/auth/login" {
            op = op.response("429", too_many());
        }
        for part in path.split('/').filter(|p| p.starts_with('{')) {
            let name = part.trim_matches(|c| c == '{' || c == '}');
            op = op.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True),
            );
        }
        let item = items.remove(path).unwrap_or_default();
        items.insert(path, item.operation(method(verb), op));
    }
    let mut paths = PathsBuilder::new();
    for (path, item) in items {
        paths = paths.path(path, item.build());
    }
    let bearer = SecurityScheme::Http(
        HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some("An API token from `waflow token create`"))
            .build(),
    );
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("waflow")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some("Self-hosted WhatsApp automation server")),
        )
        .paths(paths)
        .components(Some(components.security_scheme("bearer", bearer).build()))
        .security(Some(vec![SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]))
        .build()
}

/// The document as pretty JSON, as `waflow openapi` prints it (and the dashboard's TypeScript
/// types are generated from).
pub fn pretty() -> String {
    serde_json::to_string_pretty(&build()).unwrap_or_default()
}

/// `GET /api/v1/openapi.json`.
pub async fn document() -> Json<OpenApi> {
    Json(build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Every route of the table has its request and answer named, and no row names a route that
    /// is not in the table.
    #[test]
    fn openapi_names_the_request_and_answer_of_every_route() {
        let typed = typed();
        let missing: Vec<String> = ROUTES
            .iter()
            .filter(|r| !typed.iter().any(|t| t.method == r.0 && t.path == r.1))
            .map(|r| format!("{} {}", r.0, r.1))
            .collect();
        assert!(
            missing.is_empty(),
            "routes without their request and answer types in openapi::typed(): {missing:#?}"
        );
        for t in &typed {
            assert!(
                ROUTES.iter().any(|r| r.0 == t.method && r.1 == t.path),
                "{} {} has types but is not in ROUTES",
                t.method,
                t.path
            );
            assert_eq!(
                typed
                    .iter()
                    .filter(|o| o.method == t.method && o.path == t.path)
                    .count(),
                1,
                "{} {} has two rows",
                t.method,
                t.path
            );
            let reads = !matches!(t.request, Request::Bodyless);
            assert!(
                !(reads && matches!(t.method, "get" | "delete")),
                "{} {} reads a body",
                t.method,
                t.path
            );
        }
        let doc = serde_json::to_value(build()).unwrap();
        let mut wrong = Vec::new();
        for (verb, path, _, _) in ROUTES {
            let op = &doc["paths"][path][verb];
            let t = typed
                .iter()
                .find(|t| t.method == *verb && t.path == *path)
                .unwrap();
            let responses = op["responses"].as_object().unwrap();
            let success: Vec<&String> = responses.keys().filter(|k| k.starts_with('2')).collect();
            if success != [t.answer.status()] {
                wrong.push(format!("{verb} {path}: success answers {success:?}"));
            }
            let content = &op["responses"][t.answer.status()]["content"];
            if !matches!(t.answer, Answer::Empty(_)) && !content.is_object() {
                wrong.push(format!("{verb} {path}: no answer body"));
            }
            if matches!(t.request, Request::Bodyless) != op["requestBody"].is_null() {
                wrong.push(format!("{verb} {path}: request body"));
            }
        }
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    /// Collects every `$ref` in a JSON value.
    fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    match (key.as_str(), v) {
                        ("$ref", Value::String(r)) => out.push(r),
                        _ => refs(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn openapi_refs_resolve_and_schema_names_are_unique() {
        let doc = serde_json::to_value(build()).unwrap();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(found.len() > 100, "{} refs", found.len());
        let unresolved: Vec<&&str> = found
            .iter()
            .filter(|r| {
                r.strip_prefix("#/components/schemas/")
                    .is_none_or(|name| !schemas.contains_key(name))
            })
            .collect();
        assert!(unresolved.is_empty(), "unresolved: {unresolved:?}");
        // Two Rust types under one schema name would silently replace each other.
        let mut seen: BTreeMap<String, RefOr<Schema>> = BTreeMap::new();
        for t in typed() {
            for body in t.request.bodies().into_iter().chain(t.answer.bodies()) {
                for (name, schema) in &body.schemas {
                    let before = seen.insert(name.clone(), schema.clone());
                    assert!(
                        before.is_none_or(|b| b == *schema),
                        "two types are named {name}"
                    );
                }
            }
        }
    }

    #[test]
    fn openapi_schemas_are_the_rust_types() {
        let doc = serde_json::to_value(build()).unwrap();
        let schemas = &doc["components"]["schemas"];
        for name in [
            "LoginRequest",
            "LoginAnswer",
            "TokenList",
            "TokenItem",
            "Agent",
            "Contact",
        ] {
            assert!(schemas[name].is_object(), "{name} missing: {schemas}");
        }
        let item = &schemas["TokenItem"]["properties"];
        assert!(
            item["expires_at"].is_object() && item["token"].is_null(),
            "{item}"
        );
        // Serde's view: skipped fields are absent, dates are date-times.
        let campaign = &schemas["Campaign"]["properties"];
        assert!(campaign["workspace_id"].is_null(), "{campaign}");
        assert_eq!(campaign["created_at"]["format"], "date-time");
        let login = &doc["paths"]["/api/v1/auth/login"]["post"];
        assert_eq!(
            login["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/LoginRequest"
        );
        assert!(login["responses"]["429"]["headers"]["Retry-After"].is_object());
        let logout = &doc["paths"]["/api/v1/auth/logout"]["post"]["responses"];
        assert!(
            logout["204"].is_object() && logout["200"].is_null(),
            "{logout}"
        );
        let export = &doc["paths"]["/api/v1/campaigns/{id}/export"]["get"]["responses"]["200"];
        assert!(export["content"]["text/csv"].is_object(), "{export}");
    }
}
