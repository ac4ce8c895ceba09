//! Who a Cloud API message is from, as a contact: its phone, or for a WhatsApp user known only
//! by username their business-scoped user id; and one contact per person when a message
//! carries both (see [`waflow_store::Store::join_user_id`] for the merge rule).

use super::Shared;
use crate::cloud_api::InboundMessage;
use serde_json::json;
use waflow_domain::{ContactAddress, PhoneNumber, UserId};
use waflow_store::{new_id, ChannelNumber, LogEntry, UserIdJoin};

/// The address a message is stored under: its phone when it has one (joining the contact of
/// its user id to the phone's first, if they are two); else the contact its user id is linked
/// to; else the user id itself (a new contact known only by username). The inner `Err` refuses
/// the message alone.
pub(super) async fn address_of(
    state: &Shared,
    number: &ChannelNumber,
    m: &InboundMessage,
) -> Result<Result<ContactAddress, String>, String> {
    let workspace_id = &number.number.workspace_id;
    let known = match &m.user_id {
        Some(uid) => state
            .store
            .phone_of_user_id(workspace_id, uid.as_str())
            .await
            .map_err(|e| e.to_string())?,
        None => None,
    };
    let Some(digits) = &m.from else {
        let Some(uid) = &m.user_id else {
            return Ok(Err("no sender".into()));
        };
        return Ok(match known {
            Some(address) => ContactAddress::parse(&address).map_err(|e| format!("from: {e}")),
            None => Ok(ContactAddress::UserId(uid.clone())),
        });
    };
    let phone = match PhoneNumber::parse(digits) {
        Ok(phone) => phone,
        Err(e) => return Ok(Err(format!("from: {e}"))),
    };
    if let (Some(uid), Some(address)) = (&m.user_id, &known) {
        if address != phone.as_str() {
            // The user id is another contact's (one known only by username): one person, one
            // contact, before this message is stored.
            join(state, workspace_id, &number.number.id, &phone, uid).await?;
        }
    }
    Ok(Ok(ContactAddress::Phone(phone)))
}

/// Joins the contacts of a phone and of a user id ([`waflow_store::Store::join_user_id`]) and
/// logs a merge or a contact that gained its phone.
async fn join(
    state: &Shared,
    workspace_id: &str,
    number_id: &str,
    phone: &PhoneNumber,
    uid: &UserId,
) -> Result<(), String> {
    let joined = state
        .store
        .join_user_id(
            workspace_id,
            phone.as_str(),
            uid.as_str(),
            state.inbox.now(),
        )
        .await
        .map_err(|e| e.to_string())?;
    let (contact_id, outcome, summary) = match joined {
        UserIdJoin::Unchanged | UserIdJoin::Linked { .. } => return Ok(()),
        UserIdJoin::GainedPhone { contact_id } => (
            contact_id,
            "phone_added",
            format!("the contact known only by user id {uid} wrote from {phone}: its address is now the phone"),
        ),
        UserIdJoin::Merged { survivor, merged } => (
            survivor,
            "merged",
            format!(
                "user id {uid} and phone {phone} are one person: contact {merged} (known only by the \
                 user id) merged into the phone's contact"
            ),
        ),
    };
    let entry = LogEntry {
        id: new_id("log"),
        workspace_id: workspace_id.to_string(),
        created_at: state.inbox.now(),
        kind: "contact".into(),
        outcome: outcome.into(),
        summary,
        number_id: Some(number_id.to_string()),
        contact_id: Some(contact_id),
        message_id: None,
        workflow_id: None,
        run_id: None,
        detail: json!({"phone": phone, "user_id": uid}),
    };
    state
        .store
        .insert_log(&entry)
        .await
        .map_err(|e| e.to_string())
}

/// Links a business-scoped user id to the contact its message was stored under (a read first,
/// so that the common case writes nothing). Stored under a phone, the user id's contact and
/// the phone's are joined — which also catches a username-only contact created in the same
/// round as the first message carrying both.
pub(super) async fn link_user_id(
    state: &Shared,
    workspace_id: &str,
    number_id: &str,
    contact_id: &str,
    from: &ContactAddress,
    user_id: &UserId,
) -> Result<(), String> {
    let known = state
        .store
        .phone_of_user_id(workspace_id, user_id.as_str())
        .await
        .map_err(|e| e.to_string())?;
    if known.as_deref() == Some(from.as_str()) {
        return Ok(());
    }
    match from {
        ContactAddress::Phone(phone) => join(state, workspace_id, number_id, phone, user_id).await,
        ContactAddress::UserId(_) => state
            .store
            .link_user_id(workspace_id, contact_id, user_id.as_str())
            .await
            .map_err(|e| e.to_string()),
    }
}
