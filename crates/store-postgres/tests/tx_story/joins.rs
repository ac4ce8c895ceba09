//! The store operations whose SQL lives beside the transaction's: delivery statuses and the join
//! of a user id's contact into a phone's.

use crate::common::{Backend, Val};
use crate::fixtures::{ms, t, Labels};
use waflow_store::{ContactKey, ConversationKey, NewInbound, StatusChange, UserIdJoin, Writes};

/// Delivery statuses (with a lost send reconciled) and the join of a user id's contact into a
/// phone's: the store operations whose SQL lives beside the transaction's.
pub async fn statuses_and_joins(b: &dyn Backend, a: &str, o1: &str, o2: &str) -> Labels {
    let n = b.name();
    let change = |cmid: &str, status: &str, callback: Option<&str>| StatusChange {
        number_id: "num1".into(),
        channel_message_id: cmid.into(),
        status: status.into(),
        error: None,
        callback_message_id: callback.map(String::from),
        at: Some(t(40)),
    };
    let applied = b
        .apply_statuses(&[
            change("wamid.o1", "delivered", None),
            change("wamid.o1", "sent", None),
            change("wamid.o2", "delivered", Some(o2)),
            change("wamid.none", "read", None),
        ])
        .await;
    let seen: Vec<Option<(String, bool, bool)>> = applied
        .iter()
        .map(|a| {
            a.as_ref()
                .map(|a| (a.message.status.to_string(), a.changed, a.reconciled))
        })
        .collect();
    assert_eq!(
        seen,
        [
            Some(("delivered".into(), true, false)),
            Some(("delivered".into(), false, false)),
            Some(("delivered".into(), true, true)),
            None
        ],
        "{n}"
    );
    assert_eq!(applied[0].as_ref().unwrap().message.id, o1);
    let row = b
        .row(&format!(
            "SELECT channel_message_id, sent_at, error FROM messages WHERE id = '{o2}'"
        ))
        .await;
    assert_eq!(
        (
            row["channel_message_id"].text(),
            row["sent_at"].int(),
            row["error"].clone()
        ),
        ("wamid.o2", ms(40), Val::Null)
    );

    // A contact known only by a user id, with a conversation on the number A has one on.
    let mut tx = b.begin().await;
    let u = tx
        .upsert_contacts(
            &[ContactKey {
                workspace_id: "ws1".into(),
                phone: "BR.123".into(),
                name: "Via user id".into(),
            }],
            t(41),
        )
        .await
        .unwrap()
        .remove(0)
        .0;
    let cvu = tx
        .touch_conversations(
            &[ConversationKey {
                workspace_id: "ws1".into(),
                number_id: "num1".into(),
                contact_id: u.id.clone(),
            }],
            t(42),
        )
        .await
        .unwrap()
        .remove(0);
    let mu = tx
        .insert_inbound(&[NewInbound {
            workspace_id: "ws1".into(),
            conversation_id: cvu.clone(),
            number_id: "num1".into(),
            contact_id: u.id.clone(),
            message_type: "text".into(),
            text: "from the user id".into(),
            channel_message_id: "wamid.u".into(),
            payload: None,
            reply_to: None,
            at: t(42),
        }])
        .await
        .unwrap()
        .remove(0)
        .unwrap();
    assert!(tx
        .claim_date_fire("wf1", &u.id, "2026-01-01", t(42))
        .await
        .unwrap());
    assert!(tx
        .claim_date_fire("wf1", &u.id, "2026-01-02", t(42))
        .await
        .unwrap());
    tx.apply(&Writes {
        contact_tags: [(u.id.clone(), vec!["vip".to_string(), "user".to_string()])].into(),
        at: Some(t(42)),
        ..Writes::default()
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    b.exec(&format!(
        "UPDATE contacts SET wa_user_id = 'BR.123' WHERE id = '{}'",
        u.id
    ))
    .await;
    b.exec(&format!(
        "INSERT INTO ai_answers (conversation_id, message_id, run_id, claimed_at) VALUES ('{cvu}', '{mu}', 'run9', 0)"
    ))
    .await;

    assert_eq!(
        b.join_user_id("ws1", "+15559999", "BR.none", t(50)).await,
        UserIdJoin::Unchanged
    );
    assert_eq!(
        b.join_user_id("ws1", "+15550009", "BR.123", t(50)).await,
        UserIdJoin::Merged {
            survivor: a.to_string(),
            merged: u.id.clone()
        },
        "{n}"
    );
    assert_eq!(
        b.value(&format!(
            "SELECT COUNT(*) FROM contacts WHERE id = '{}'",
            u.id
        ))
        .await,
        Val::Int(0)
    );
    let ca = b
        .row(&format!("SELECT * FROM contacts WHERE id = '{a}'"))
        .await;
    assert_eq!(
        (
            ca["wa_user_id"].text(),
            ca["tags"].text(),
            ca["name"].text()
        ),
        ("BR.123", r#"["vip","new","user"]"#, "Ann")
    );
    let moved = b
        .row(&format!(
            "SELECT conversation_id, contact_id FROM messages WHERE id = '{mu}'"
        ))
        .await;
    let cva = b
        .value(&format!(
            "SELECT id FROM conversations WHERE contact_id = '{a}' AND number_id = 'num1'"
        ))
        .await;
    assert_eq!(
        (moved["conversation_id"].text(), moved["contact_id"].text()),
        (cva.text(), a)
    );
    assert_eq!(
        b.value(&format!(
            "SELECT last_message_at FROM conversations WHERE id = '{}'",
            cva.text()
        ))
        .await,
        Val::Int(ms(42))
    );
    assert_eq!(
        b.value("SELECT conversation_id FROM ai_answers").await,
        Val::Text(cva.text().to_string()),
        "{n}: the claim moves to the surviving conversation"
    );
    let fires: Vec<String> = b
        .rows(&format!(
            "SELECT occurrence FROM date_trigger_fires WHERE contact_id = '{a}' ORDER BY occurrence"
        ))
        .await
        .into_iter()
        .map(|r| r[0].text().to_string())
        .collect();
    assert_eq!(fires, ["2026-01-01", "2026-01-02"], "{n}");
    assert_eq!(
        b.value("SELECT COUNT(*) FROM date_trigger_fires").await,
        Val::Int(3)
    );
    vec![
        (u.id, "contact_u".into()),
        (cvu, "conversation_u".into()),
        (mu, "message_u".into()),
    ]
}
