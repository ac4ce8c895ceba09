//! Every route's request and answer bodies ([`typed`]), as the Rust types the handlers use, and
//! how each becomes OpenAPI content.

use super::*;
/// A JSON body: the name of its schema, and that schema with those it refers to.
pub(super) struct Body {
    pub(super) name: String,
    pub(super) schemas: Vec<(String, RefOr<Schema>)>,
}

pub(super) fn body<T: ToSchema>() -> Body {
    let name = T::name().into_owned();
    let mut schemas = vec![(name.clone(), T::schema())];
    T::schemas(&mut schemas);
    Body { name, schemas }
}

/// What a route reads.
pub(super) enum Request {
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
pub(super) enum Answer {
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
pub(super) struct Typed {
    pub(super) method: &'static str,
    pub(super) path: &'static str,
    pub(super) request: Request,
    pub(super) answer: Answer,
}

pub(super) fn json<T: ToSchema>() -> Request {
    Request::Json(body::<T>())
}

pub(super) fn ok<T: ToSchema>() -> Answer {
    Answer::Json("200", body::<T>())
}

pub(super) fn created<T: ToSchema>() -> Answer {
    Answer::Json("201", body::<T>())
}

pub(super) fn no_content() -> Answer {
    Answer::Empty("204")
}

/// Every route's bodies: each route of [`ROUTES`] has one row (a test checks it), and says
/// explicitly when it reads no body.
pub(super) fn typed() -> Vec<Typed> {
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
        t("get", "/api/v1/cluster", Bodyless, ok::<crate::cluster::ClusterState>()),
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

pub(super) fn json_content(body: &Body) -> utoipa::openapi::Content {
    ContentBuilder::new()
        .schema(Some(Ref::from_schema_name(body.name.clone())))
        .build()
}

/// Content that is not JSON: a file, a stream, a text.
pub(super) fn other_content(description: &str) -> utoipa::openapi::Content {
    let any = Object::builder()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
        .description(Some(description));
    ContentBuilder::new().schema(Some(any)).build()
}

impl Request {
    pub(super) fn bodies(&self) -> Option<&Body> {
        match self {
            Request::Json(b) | Request::Document(b) | Request::JsonOrCsv(b, _) => Some(b),
            Request::Bodyless | Request::File(..) => None,
        }
    }

    pub(super) fn build(&self) -> Option<utoipa::openapi::request_body::RequestBody> {
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
    pub(super) fn status(&self) -> &'static str {
        match self {
            Answer::Json(s, _) | Answer::Empty(s) | Answer::Other(s, _, _) => s,
            Answer::JsonOrYaml(_) => "200",
        }
    }

    pub(super) fn bodies(&self) -> Option<&Body> {
        match self {
            Answer::Json(_, b) | Answer::JsonOrYaml(b) => Some(b),
            Answer::Empty(_) | Answer::Other(..) => None,
        }
    }

    pub(super) fn build(&self) -> ResponseBuilder {
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
