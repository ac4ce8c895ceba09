//! Real payloads at the store level: a status whose callback id names a message whose send
//! result was lost reconciles it; a redelivered status changes nothing; notices edit (with
//! history) and revoke stored messages; a user id's contact is merged into its phone's.

use chrono::{Duration, Utc};
use sqlx::{Connection, SqliteConnection};
use std::path::PathBuf;
use waflow_domain::Notice;
use waflow_store::prelude::*;
use waflow_store::{
    new_id, ContactKey, ConversationKey, NewInbound, NewOutbound, NoticeWrite, StatusChange, Store,
    UserIdJoin, Writes,
};
use waflow_store_sqlite::{Durability, SqliteStore};

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
    store: SqliteStore,
    workspace_id: String,
    number_id: String,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let store = SqliteStore::open(&path, Durability::Full).await.unwrap();
    let ws = store.ensure_default_workspace().await.unwrap();
    let number = store.numbers(&ws.id).await.unwrap().remove(0);
    Fixture {
        _dir: dir,
        path,
        store,
        workspace_id: ws.id,
        number_id: number.id,
    }
}

impl Fixture {
    /// A contact at `address` with its conversation on the number: (contact id, conversation id).
    async fn contact(&self, address: &str) -> (String, String) {
        let now = Utc::now();
        let mut tx = self.store.begin().await.unwrap();
        let key = ContactKey {
            workspace_id: self.workspace_id.clone(),
            phone: address.into(),
            name: String::new(),
        };
        let (contact, _) = tx.upsert_contacts(&[key], now).await.unwrap().remove(0);
        let conv = ConversationKey {
            workspace_id: self.workspace_id.clone(),
            number_id: self.number_id.clone(),
            contact_id: contact.id.clone(),
        };
        let conversation_id = tx
            .touch_conversations(&[conv], now)
            .await
            .unwrap()
            .remove(0);
        tx.commit().await.unwrap();
        (contact.id, conversation_id)
    }

    /// Stores an inbound text; its id.
    async fn inbound(&self, contact: &(String, String), wamid: &str, text: &str) -> String {
        let mut tx = self.store.begin().await.unwrap();
        let id = tx
            .insert_inbound(&[NewInbound {
                workspace_id: self.workspace_id.clone(),
                conversation_id: contact.1.clone(),
                number_id: self.number_id.clone(),
                contact_id: contact.0.clone(),
                message_type: "text".into(),
                text: text.into(),
                channel_message_id: wamid.into(),
                payload: None,
                reply_to: None,
                at: Utc::now(),
            }])
            .await
            .unwrap()
            .remove(0)
            .expect("stored");
        tx.commit().await.unwrap();
        id
    }

    /// Queues an outbound text; its id.
    async fn outbound(&self, contact: &(String, String)) -> String {
        let id = new_id("msg");
        let mut tx = self.store.begin().await.unwrap();
        let message = NewOutbound {
            id: id.clone(),
            workspace_id: self.workspace_id.clone(),
            conversation_id: contact.1.clone(),
            number_id: self.number_id.clone(),
            contact_id: contact.0.clone(),
            message_type: "text".into(),
            text: "Your order has shipped".into(),
            payload: None,
            sender_kind: "api",
            sender_ref: None,
            at: Utc::now(),
        };
        tx.apply(&Writes {
            outbound: vec![message],
            ..Default::default()
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();
        id
    }

    /// Runs SQL on the database from the side, as a crash would have left it.
    async fn sql(&self, sql: &str, bind: &str) {
        let url = format!("sqlite://{}", self.path.display());
        let mut conn = SqliteConnection::connect(&url).await.unwrap();
        sqlx::query(sql)
            .bind(bind)
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }

    fn status(&self, wamid: &str, status: &str, callback: Option<&str>) -> StatusChange {
        StatusChange {
            number_id: self.number_id.clone(),
            channel_message_id: wamid.into(),
            status: status.into(),
            error: (status == "failed").then(|| "131047 Re-engagement message".to_string()),
            callback_message_id: callback.map(str::to_string),
            at: Some(Utc::now() - Duration::seconds(5)),
        }
    }
}

#[tokio::test]
async fn a_status_echoing_our_id_reconciles_an_uncertain_message_once() {
    let f = fixture().await;
    let contact = f.contact("+393330000001").await;
    let id = f.outbound(&contact).await;
    f.sql(
        "UPDATE messages SET status = 'uncertain', error = 'the send started; its result is unknown' WHERE id = ?",
        &id,
    )
    .await;

    let wamid = "wamid.HBgLMzkzMzMwMDAwMDAxFQIAERgSQ0FMTEJBQ0sA";
    let delivered = f.status(wamid, "delivered", Some(&id));
    let applied = f
        .store
        .apply_message_statuses(std::slice::from_ref(&delivered))
        .await
        .unwrap();
    let applied = applied[0]
        .as_ref()
        .expect("the message is found by its callback id");
    assert!(applied.reconciled);
    assert!(applied.changed);
    assert_eq!(applied.message.id, id);
    assert_eq!(applied.message.status, "delivered");
    assert_eq!(applied.message.channel_message_id.as_deref(), Some(wamid));
    assert_eq!(applied.message.error, None);
    assert!(applied.message.sent_at.is_some());

    // The same status again: found by its wamid now, nothing changes, nothing reconciled.
    let again = f.store.apply_message_statuses(&[delivered]).await.unwrap();
    let again = again[0].as_ref().expect("found");
    assert!(!again.reconciled && !again.changed);
    assert_eq!(again.message.status, "delivered");
}

#[tokio::test]
async fn a_callback_id_never_reconciles_a_message_already_sent() {
    let f = fixture().await;
    let contact = f.contact("+393330000002").await;
    let id = f.outbound(&contact).await;
    f.sql(
        "UPDATE messages SET status = 'sent', channel_message_id = 'wamid.FIRST' WHERE id = ?",
        &id,
    )
    .await;
    let applied = f
        .store
        .apply_message_statuses(&[f.status("wamid.OTHER", "delivered", Some(&id))])
        .await
        .unwrap();
    assert!(applied[0].is_none(), "an unknown wamid names no message");
    let message = f.store.message(&f.workspace_id, &id).await.unwrap();
    assert_eq!(message.channel_message_id.as_deref(), Some("wamid.FIRST"));
    assert_eq!(message.status, "sent");
}

#[tokio::test]
async fn a_redelivered_failure_changes_nothing() {
    let f = fixture().await;
    let contact = f.contact("+393330000003").await;
    let id = f.outbound(&contact).await;
    f.sql(
        "UPDATE messages SET status = 'sent', channel_message_id = 'wamid.F' WHERE id = ?",
        &id,
    )
    .await;
    let failed = f.status("wamid.F", "failed", None);
    let first = f
        .store
        .apply_message_statuses(std::slice::from_ref(&failed))
        .await
        .unwrap();
    assert!(first[0].as_ref().is_some_and(|a| a.changed));
    let second = f.store.apply_message_statuses(&[failed]).await.unwrap();
    let second = second[0].as_ref().expect("found");
    assert!(!second.changed);
    assert_eq!(second.message.status, "failed");
}

#[tokio::test]
async fn an_edit_keeps_the_history_and_a_revoke_marks_deleted() {
    let f = fixture().await;
    let contact = f.contact("+393330000004").await;
    let original = f.inbound(&contact, "wamid.ORIG", "Opening hours?").await;
    let edit = f
        .inbound(&contact, "wamid.EDIT", "Opening hours on Sunday?")
        .await;
    let notice = |message_id: &str, notice: Notice| NoticeWrite {
        workspace_id: f.workspace_id.clone(),
        number_id: f.number_id.clone(),
        contact_id: contact.0.clone(),
        message_id: message_id.to_string(),
        at: Utc::now(),
        notice,
    };
    let mut tx = f.store.begin().await.unwrap();
    let said = tx
        .apply_notice(&notice(
            &edit,
            Notice::Edited {
                original: "wamid.ORIG".into(),
                text: "Opening hours on Sunday?".into(),
            },
        ))
        .await
        .unwrap();
    assert!(said.contains("edited"), "{said}");
    let said = tx
        .apply_notice(&notice(
            &edit,
            Notice::Revoked {
                original: "wamid.UNKNOWN".into(),
            },
        ))
        .await
        .unwrap();
    assert!(said.contains("not stored"), "{said}");
    tx.commit().await.unwrap();

    let message = f.store.message(&f.workspace_id, &original).await.unwrap();
    assert_eq!(message.text, "Opening hours on Sunday?");
    let url = format!("sqlite://{}", f.path.display());
    let mut conn = SqliteConnection::connect(&url).await.unwrap();
    let history: Vec<(String, String)> = sqlx::query_as(
        "SELECT previous_body, edit_message_id FROM message_edits WHERE message_id = ?",
    )
    .bind(&original)
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert_eq!(history, vec![("Opening hours?".to_string(), edit.clone())]);

    let mut tx = f.store.begin().await.unwrap();
    tx.apply_notice(&notice(
        &edit,
        Notice::Revoked {
            original: "wamid.ORIG".into(),
        },
    ))
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let message = f.store.message(&f.workspace_id, &original).await.unwrap();
    assert_eq!(message.status, "deleted");
    assert_eq!(message.text, "Opening hours on Sunday?");
}

#[tokio::test]
async fn a_user_ids_contact_is_merged_into_its_phones() {
    let f = fixture().await;
    let uid = "US.13491208655302741918";
    let by_user = f.contact(uid).await;
    f.store
        .link_user_id(&f.workspace_id, &by_user.0, uid)
        .await
        .unwrap();
    f.inbound(&by_user, "wamid.U1", "Hello from my username")
        .await;
    let patch = waflow_store::ContactPatch {
        tags: Some(vec!["vip".into()]),
        ..Default::default()
    };
    f.store
        .update_contact(&f.workspace_id, &by_user.0, &patch)
        .await
        .unwrap();
    let by_phone = f.contact("+393330000005").await;
    f.inbound(&by_phone, "wamid.P1", "Hello from my phone")
        .await;

    let joined = f
        .store
        .join_user_id(&f.workspace_id, "+393330000005", uid, Utc::now())
        .await
        .unwrap();
    assert_eq!(
        joined,
        UserIdJoin::Merged {
            survivor: by_phone.0.clone(),
            merged: by_user.0.clone()
        }
    );
    assert!(f.store.contact(&f.workspace_id, &by_user.0).await.is_err());
    let survivor = f.store.contact(&f.workspace_id, &by_phone.0).await.unwrap();
    assert_eq!(survivor.tags, vec!["vip".to_string()]);
    // One conversation on the number, holding both messages.
    let messages = f
        .store
        .messages(&f.workspace_id, &by_phone.1, None, 10)
        .await
        .unwrap();
    let texts: Vec<&str> = messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(texts, vec!["Hello from my username", "Hello from my phone"]);
    assert!(messages.iter().all(|m| m.contact_id == by_phone.0));
    assert_eq!(
        f.store
            .phone_of_user_id(&f.workspace_id, uid)
            .await
            .unwrap(),
        Some("+393330000005".to_string())
    );
    // Joined already: nothing more to do.
    let again = f
        .store
        .join_user_id(&f.workspace_id, "+393330000005", uid, Utc::now())
        .await
        .unwrap();
    assert_eq!(again, UserIdJoin::Unchanged);
}
