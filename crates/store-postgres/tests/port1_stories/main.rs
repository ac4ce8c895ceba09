//! The conformance stories of `Workspaces`, `Agents`, `Tokens`, `Numbers`, `Contacts`,
//! `WebhookInbox` and `Overview`: each calls every method of its trait with realistic data,
//! asserts every answer, and is told to a fresh SQLite store and a fresh PostgreSQL store, whose
//! transcripts must be equal (generated ids named by the part they play).

mod agents;
mod contact_changes;
mod contacts;
mod harness;
mod numbers;
mod overview;
mod tokens;
mod webhooks;
mod workspaces;

#[tokio::test]
async fn workspaces_story() {
    on_both!(workspaces::story);
}

#[tokio::test]
async fn agents_story() {
    on_both!(agents::story);
}

#[tokio::test]
async fn tokens_story() {
    on_both!(tokens::story);
}

#[tokio::test]
async fn numbers_story() {
    on_both!(numbers::story);
}

#[tokio::test]
async fn contacts_story() {
    on_both!(contacts::story);
}

#[tokio::test]
async fn webhooks_story() {
    on_both!(webhooks::story);
}

#[tokio::test]
async fn overview_story() {
    on_both!(overview::story);
}
