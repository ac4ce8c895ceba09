//! [`Contacts`]: contacts and their business-scoped user ids.
//! Every [`crate::Store`] is also `Contacts`.

use crate::models::*;
use crate::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Contacts and their business-scoped user ids.
#[async_trait]
pub trait Contacts: Send + Sync {
    /// Creates a contact with its phone, name and the patch's values, in one transaction.
    async fn insert_contact(
        &self,
        workspace_id: &str,
        phone: &str,
        name: &str,
        patch: &ContactPatch,
    ) -> Result<Contact>;
    /// Contacts matching the filter, in id order after its cursor.
    async fn contacts(&self, workspace_id: &str, filter: &ContactFilter) -> Result<Vec<Contact>>;
    /// One contact of the workspace.
    async fn contact(&self, workspace_id: &str, id: &str) -> Result<Contact>;
    /// Applies the patch to a contact (tags, fields, agent, flags) in one statement.
    async fn update_contact(
        &self,
        workspace_id: &str,
        id: &str,
        patch: &ContactPatch,
    ) -> Result<Contact>;
    /// Deletes a contact and everything stored about them, in one transaction.
    async fn delete_contact(&self, workspace_id: &str, id: &str) -> Result<()>;
    /// The phone number of the contact with this business-scoped user id, if one is known.
    async fn phone_of_user_id(&self, workspace_id: &str, user_id: &str) -> Result<Option<String>>;
    /// Records a contact's business-scoped user id (first one wins; another contact already
    /// holding it is left as it is).
    async fn link_user_id(&self, workspace_id: &str, contact_id: &str, user_id: &str)
        -> Result<()>;
    /// Makes the contact of a phone and the contact of a business-scoped user id one contact,
    /// in one transaction (a message carried both). The rule: the phone's contact survives
    /// (a phone is the address Meta recommends sending to); a contact known only by the user id
    /// is merged into it — its conversations (with their messages; two conversations on the
    /// same number become one), messages, runs, tickets, notifications, logs and date-trigger
    /// fires move to the survivor; tags and lists are united; fields the survivor lacks are
    /// copied, the survivor's own values win; name and agent are the survivor's unless it has
    /// none; blocked or excluded if either was — then the user id is the survivor's. If no contact has the
    /// phone, the user id's contact simply takes the phone as its address. A user id already
    /// on a contact with another phone is left where it is.
    async fn join_user_id(
        &self,
        workspace_id: &str,
        phone: &str,
        user_id: &str,
        at: DateTime<Utc>,
    ) -> Result<UserIdJoin>;
}
