//! What a linked-device session receives, into waflow: messages become typed inbound events
//! for the [`Inbox`] (media stored first), messages the business typed on its phone are recorded
//! as sent elsewhere, and receipts move our messages' statuses.
//!
//! **Invariant:** a message is handed to the inbox only with a phone address (its own, or the
//! one waflow linked to its `@lid`); its medium is a whole file under
//! `<data dir>/media/<number id>/` or the reason it is missing.

use crate::connection::Delivery;
use crate::inbound::Inbound;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::mpsc;
use waflow_channels::Inbox;
use waflow_domain::{InboundEvent, PhoneNumber, SentElsewhere, StoredFile};
use waflow_store::{Number, StatusChange, Store};

/// What one number's receiving pipeline needs.
pub(crate) struct Pipeline {
    pub store: Arc<dyn Store>,
    pub inbox: Arc<dyn Inbox>,
    pub number: Number,
    /// `<data dir>/media/<number id>`.
    pub media_dir: PathBuf,
}

/// Takes a session's deliveries until the session ends.
pub(crate) async fn run(p: Pipeline, mut deliveries: mpsc::UnboundedReceiver<Delivery>) {
    while let Some(delivery) = deliveries.recv().await {
        match delivery {
            Delivery::Receipt {
                message_ids,
                status,
            } => {
                let changes: Vec<StatusChange> = message_ids
                    .into_iter()
                    .map(|id| StatusChange {
                        number_id: p.number.id.clone(),
                        channel_message_id: id,
                        status: status.into(),
                        ..Default::default()
                    })
                    .collect();
                if let Err(e) = p.store.apply_message_statuses(&changes).await {
                    tracing::error!(error = %e, "receipts not applied");
                }
            }
            Delivery::Message {
                message,
                media,
                media_error,
            } => {
                if let Err(e) = take(&p, message, media, media_error).await {
                    tracing::warn!(number = %p.number.id, error = %e, "linked-device message not taken");
                }
            }
        }
    }
}

async fn take(
    p: &Pipeline,
    m: Inbound,
    media: Option<Vec<u8>>,
    media_error: Option<String>,
) -> Result<(), String> {
    let number = &p.number;
    // The connection already asked the session's own @lid mapping; waflow's links come next.
    let lid_key = m.contact.lid_key();
    let mut phone = m.contact.phone.clone();
    if phone.is_none() {
        if let Some(key) = &lid_key {
            phone = p
                .store
                .phone_of_user_id(&number.workspace_id, key)
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    let Some(phone) = phone else {
        return Err(format!(
            "message {} comes from {} without a known phone number",
            m.id,
            lid_key.unwrap_or_default()
        ));
    };
    let from = PhoneNumber::parse(&phone).map_err(|e| format!("message {}: {e}", m.id))?;
    let mut content = m.content();
    if let Some(medium) = content.media.as_mut() {
        if let Some(bytes) = media {
            medium.stored = Some(store_file(p, &m.id, medium.mime_type.clone(), &bytes).await);
        }
        if let Some(e) = media_error {
            medium.stored = Some(Err(e));
        }
    }
    if m.from_me {
        // Written by the business on its phone or WhatsApp Web: it never starts a workflow, it is
        // the business's own message in the conversation (a person replied: an AI reply being
        // generated is not sent over it).
        return p
            .inbox
            .sent_elsewhere(SentElsewhere {
                workspace_id: number.workspace_id.clone(),
                number_id: number.id.clone(),
                to: from,
                channel_message_id: m.id.clone(),
                content,
            })
            .await
            .map_err(|e| e.to_string());
    }
    if let Some(key) = &lid_key {
        // Shown with the message; an @lid is not a business-scoped user id.
        content.details.insert("user_id".into(), key.clone().into());
    }
    let event = InboundEvent {
        workspace_id: number.workspace_id.clone(),
        number_id: number.id.clone(),
        automation: number.automation,
        from: from.into(),
        user_id: None,
        contact_name: m.push_name.clone(),
        channel_message_id: m.id.clone(),
        content,
        reply_to: m.reply_to.clone(),
        notice: None,
    };
    let received = p
        .inbox
        .receive(vec![event])
        .await
        .pop()
        .ok_or("the inbox gave no answer")?
        .map_err(|e| e.to_string())?;
    if let Some(key) = lid_key {
        // The @lid is this contact from now on, whichever identifier the next message carries.
        p.store
            .link_user_id(&number.workspace_id, &received.contact_id, &key)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Writes a received file under the number's media directory (the Cloud API's layout: the
/// path relative to the data directory).
async fn store_file(
    p: &Pipeline,
    message_id: &str,
    mime_type: Option<String>,
    bytes: &[u8],
) -> Result<StoredFile, String> {
    let name = message_id.replace(['/', '\\', '.'], "_");
    let path = p.media_dir.join(&name);
    let tmp = p.media_dir.join(format!("{name}.part"));
    let saved = async {
        tokio::fs::create_dir_all(&p.media_dir).await?;
        tokio::fs::write(&tmp, bytes).await?;
        tokio::fs::rename(&tmp, &path).await
    }
    .await;
    saved.map_err(|e| e.to_string())?;
    Ok(StoredFile {
        path: format!("media/{}/{name}", p.number.id),
        size: bytes.len() as u64,
        mime_type,
        sha256: None,
    })
}
