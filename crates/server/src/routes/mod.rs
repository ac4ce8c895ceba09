//! The API's routes, one module per resource.

/// Declares a `{"data": [...]}` answer: every `$item`, in one list.
macro_rules! list_of {
    ($(#[$doc:meta])* $name:ident, $item:ty) => {
        $(#[$doc])*
        #[derive(serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub data: Vec<$item>,
        }
    };
}

/// Declares a `{"data": [...], "next_cursor"}` answer: one page of `$item`s.
macro_rules! page_of {
    ($(#[$doc:meta])* $name:ident, $item:ty) => {
        $(#[$doc])*
        #[derive(serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub data: Vec<$item>,
            /// The `cursor` of the next page; null on the last page.
            pub next_cursor: Option<String>,
        }

        impl $name {
            /// The page of `items` (at most `limit`), with the cursor of the next one.
            pub(crate) fn new(
                data: Vec<$item>,
                limit: i64,
                cursor_of: impl Fn(&$item) -> String,
            ) -> axum::Json<Self> {
                let next_cursor = crate::routes::next_cursor(&data, limit, cursor_of);
                axum::Json(Self { data, next_cursor })
            }
        }
    };
}

pub(crate) mod agents;
pub(crate) mod ai;
pub(crate) mod campaigns;
pub(crate) mod cloud_numbers;
pub(crate) mod contacts;
pub(crate) mod content;
pub(crate) mod conversations;
pub(crate) mod draft_test;
pub(crate) mod first_hour;
pub(crate) mod hooks;
pub(crate) mod imports;
pub(crate) mod linked_numbers;
pub(crate) mod logs;
pub(crate) mod numbers;
pub(crate) mod records;
pub(crate) mod scheduled;
pub(crate) mod templates;
pub(crate) mod tokens;
pub(crate) mod versions;
pub(crate) mod workflows;
pub(crate) mod workspace;

use crate::error::ApiError;
use crate::AppState;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

/// Checks a new workflow's document against the workspace rules (for the command line).
pub(crate) async fn checked_write(
    store: &dyn waflow_store::Store,
    workspace_id: &str,
    doc: &waflow_domain::WorkflowDocument,
) -> Result<waflow_store::WorkflowWrite, ApiError> {
    workflows::checked(store, workspace_id, doc, None).await
}

/// The largest file accepted for upload: WhatsApp's limit for documents.
const MAX_UPLOAD_BYTES: usize = 100 * 1024 * 1024;

/// All routes under `/api/v1`, plus `/healthz`.
pub fn router() -> Router<AppState> {
    let api = Router::new()
        .route("/openapi.json", get(crate::openapi::document))
        .route("/auth/login", post(crate::auth::login))
        .route("/setup", get(first_hour::state).post(first_hour::create))
        .route("/onboarding", get(first_hour::onboarding))
        .route("/stats", get(first_hour::stats))
        .route("/auth/me", get(crate::auth::me))
        .route("/auth/logout", post(crate::auth::logout))
        .route("/auth/tokens", get(tokens::list))
        .route("/auth/tokens/{id}", axum::routing::delete(tokens::revoke))
        .route(
            "/workspace",
            get(workspace::show)
                .put(workspace::update)
                .patch(workspace::update),
        )
        .route("/workspace/webhook-secret", get(hooks::webhook_secret))
        .route("/workspace/ai", get(ai::show).put(ai::update))
        .route("/workspace/knowledge", get(ai::list))
        .route("/workspace/knowledge/search", get(ai::search))
        .route(
            "/workspace/knowledge/{name}",
            axum::routing::put(ai::upload)
                .delete(ai::remove)
                .layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route(
            "/workspace/opt-out",
            get(workspace::opt_out).put(workspace::set_opt_out),
        )
        .route("/scheduled", get(scheduled::list).post(scheduled::create))
        .route(
            "/scheduled/{id}",
            get(scheduled::show).patch(scheduled::update),
        )
        .route("/scheduled/{id}/cancel", post(scheduled::cancel))
        .route("/campaigns", get(campaigns::list).post(campaigns::create))
        .route("/campaigns/preview", post(campaigns::preview))
        .route("/campaigns/{id}", get(campaigns::show))
        .route("/campaigns/{id}/pause", post(campaigns::pause))
        .route("/campaigns/{id}/resume", post(campaigns::resume))
        .route("/campaigns/{id}/cancel", post(campaigns::cancel))
        .route("/campaigns/{id}/recipients", get(campaigns::recipients))
        .route("/campaigns/{id}/export", get(campaigns::export))
        .route(
            "/workspace/events-webhook",
            axum::routing::put(linked_numbers::set_events_webhook),
        )
        .route("/numbers/{id}/qr", get(linked_numbers::qr))
        .route("/numbers/{id}/session", get(linked_numbers::session))
        .route("/numbers/{id}/events", get(linked_numbers::events))
        .route("/numbers/{id}/reconnect", post(linked_numbers::reconnect))
        .route("/agents", get(agents::list).post(agents::create))
        .route("/notifications", get(agents::notifications))
        .route("/notifications/{id}/read", post(agents::read_notification))
        .route(
            "/agents/{id}",
            get(agents::show)
                .patch(agents::update)
                .delete(agents::remove),
        )
        .route("/numbers", get(numbers::list).post(numbers::create))
        .route(
            "/numbers/{id}",
            get(numbers::show)
                .patch(numbers::update)
                .delete(numbers::remove),
        )
        .route(
            "/numbers/{id}/sandbox/inbound",
            post(numbers::sandbox_inbound),
        )
        .route("/numbers/{id}/sandbox/outbox", get(numbers::sandbox_outbox))
        .route("/numbers/{id}/templates", get(cloud_numbers::templates))
        .route(
            "/numbers/{id}/templates/sync",
            post(cloud_numbers::sync_templates),
        )
        .route("/numbers/{id}/check", post(cloud_numbers::check))
        .route(
            "/numbers/{id}/media",
            post(cloud_numbers::upload_media)
                .layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/contacts", get(contacts::list).post(contacts::create))
        .route(
            "/contacts/imports",
            get(imports::list).post(imports::create),
        )
        .route("/contacts/imports/{id}", get(imports::show))
        .route(
            "/contacts/{id}",
            get(contacts::show)
                .patch(contacts::update)
                .delete(contacts::remove),
        )
        .route("/contacts/{id}/tags", post(contacts::add_tags))
        .route(
            "/contacts/{id}/tags/{tag}",
            axum::routing::delete(contacts::remove_tag),
        )
        .route(
            "/contacts/{id}/runs",
            get(contacts::runs).delete(contacts::remove_from_runs),
        )
        .route("/contacts/{id}/lists", post(records::change_contact_lists))
        .route("/lists", get(records::lists))
        .route("/lists/{name}/contacts", post(records::add_to_list))
        .route("/tickets", get(records::tickets).post(records::open_ticket))
        .route(
            "/tickets/{id}",
            get(records::ticket).patch(records::update_ticket),
        )
        .route(
            "/workflow-templates",
            get(templates::list).post(templates::save),
        )
        .route(
            "/workflow-templates/{id}",
            axum::routing::delete(templates::remove),
        )
        .route(
            "/workflow-templates/{id}/use",
            post(templates::use_template),
        )
        .route("/runs/{id}", get(contacts::run))
        .route("/conversations", get(conversations::list))
        .route("/conversations/{id}", get(conversations::show))
        .route("/conversations/{id}/read", post(conversations::read))
        .route(
            "/conversations/{id}/automation/resume",
            post(conversations::resume_automation),
        )
        .route(
            "/conversations/{id}/messages",
            get(conversations::messages).post(conversations::send),
        )
        .route("/messages", get(conversations::outbound))
        .route(
            "/conversations/{id}/messages/{message_id}/resend",
            post(conversations::resend),
        )
        .route("/workflows", get(workflows::list).post(workflows::create))
        .route("/workflows/bulk", post(workflows::bulk))
        .route(
            "/workflows/{id}",
            get(workflows::show)
                .put(workflows::replace)
                .delete(workflows::remove),
        )
        .route(
            "/workflows/{id}/draft",
            get(versions::draft)
                .put(versions::save_draft)
                .delete(versions::discard_draft),
        )
        .route("/workflows/{id}/publish", post(versions::publish))
        .route("/workflows/{id}/test", post(versions::test_run))
        .route("/workflows/{id}/overlaps", get(draft_test::overlaps))
        .route("/workflows/{id}/versions", get(versions::list))
        .route("/workflows/{id}/versions/{version}", get(versions::show))
        .route("/workflows/{id}/diff", get(versions::diff))
        .route("/workflows/{id}/counters", get(versions::counters))
        .route("/workflows/{id}/integration", get(hooks::show))
        .route(
            "/workflows/{id}/start",
            post(hooks::start_outbound)
                .layer(axum::extract::DefaultBodyLimit::max(MAX_UPLOAD_BYTES)),
        )
        .route("/workflows/{id}/activate", post(workflows::activate))
        .route("/workflows/{id}/deactivate", post(workflows::deactivate))
        .route(
            "/workflows/{id}/priority",
            axum::routing::put(workflows::set_priority),
        )
        .route("/cluster", get(crate::cluster::show))
        .route("/logs", get(logs::list))
        .route("/logs/{id}", get(logs::show));
    Router::new()
        .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/hooks/{id}", post(hooks::receive))
        .route(
            "/webhooks/cloud_api/{id}",
            get(crate::cloud::webhook::verify).post(crate::cloud::webhook::receive),
        )
        .nest("/api/v1", api)
        .fallback(crate::dashboard::serve)
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
}

/// The cursor of the page after `items`: the last item's, when the page is full.
pub(crate) fn next_cursor<T>(
    items: &[T],
    limit: i64,
    cursor_of: impl Fn(&T) -> String,
) -> Option<String> {
    if items.len() as i64 == limit {
        items.last().map(cursor_of)
    } else {
        None
    }
}
