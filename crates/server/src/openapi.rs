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

mod bodies;
use bodies::typed;

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
    ("get", "/api/v1/cluster", "workspace", "The nodes sharing this database: each one's address, version, start, last heartbeat and whether it is alive; the leases they hold"),
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
mod tests;
