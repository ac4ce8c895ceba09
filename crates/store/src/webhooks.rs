//! [`WebhookInbox`]: accepted webhook bodies, stored before they are acknowledged and processed after.
//! Every [`crate::Store`] is also `WebhookInbox`.

use crate::models::*;
use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Accepted webhook bodies, stored before they are acknowledged and processed after.
#[async_trait]
pub trait WebhookInbox: Send + Sync {
    /// Stores accepted webhook bodies, all in one transaction, before they are acknowledged;
    /// returns their ids in input order.
    async fn insert_webhook_deliveries(&self, new: &[NewWebhookDelivery]) -> Result<Vec<String>>;
    /// Deliveries not yet processed, oldest first.
    async fn pending_webhook_deliveries(&self, limit: i64) -> Result<Vec<WebhookDelivery>>;
    /// Deliveries not yet processed, oldest first, among those with one of `ids` (the ones this
    /// node stored) or received before `orphaned_before` (stored by a node that stopped before
    /// processing them): where several nodes share the database, each processes its own.
    async fn pending_webhook_deliveries_among(
        &self,
        limit: i64,
        ids: &[String],
        orphaned_before: DateTime<Utc>,
    ) -> Result<Vec<WebhookDelivery>>;
    /// Marks deliveries processed (each with the error that stopped part of it, if any), in one
    /// transaction.
    async fn finish_webhook_deliveries(&self, done: &[(String, Option<String>)]) -> Result<()>;
}
