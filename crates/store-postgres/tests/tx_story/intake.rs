//! The first step: contacts found or created, conversations touched or ensured, inbound
//! messages stored once per channel id, and a conversation's stats.

use crate::common::{Backend, Val};
use crate::fixtures::{ms, t, Story, SEED};
use serde_json::json;
use waflow_domain::ConversationStats;
use waflow_store::{ContactKey, ConversationKey, Error, NewInbound};

/// Seeds the workspaces and tells the first step; returns what it made.
pub async fn intake(b: &dyn Backend) -> Story {
    let n = b.name();
    let mut labels = Vec::new();
    b.exec(SEED).await;
    let mut tx = b.begin().await;
    let key = |ws: &str, phone: &str, name: &str| ContactKey {
        workspace_id: ws.into(),
        phone: phone.into(),
        name: name.into(),
    };
    let first = tx
        .upsert_contacts(
            &[key("ws1", "+15550001", ""), key("ws1", "+15550002", "Bob")],
            t(1),
        )
        .await
        .unwrap();
    assert!(first[0].1 && first[1].1, "{n}: both created");
    assert_eq!(first[0].0.name, "");
    let (a, bob) = (first[0].0.id.clone(), first[1].0.id.clone());
    labels.push((a.clone(), "contact_a".into()));
    labels.push((bob.clone(), "contact_b".into()));
    let second = tx
        .upsert_contacts(
            &[
                key("ws1", "+15550001", "Ann"),
                key("ws1", "+15550002", "Robert"),
                key("ws2", "+15550001", "Cy"),
            ],
            t(2),
        )
        .await
        .unwrap();
    assert_eq!(
        second
            .iter()
            .map(|(c, new)| (c.id.as_str(), c.name.as_str(), *new))
            .collect::<Vec<_>>()[..2],
        [(a.as_str(), "Ann", false), (bob.as_str(), "Bob", false)],
        "{n}: an empty name is filled, a name is kept"
    );
    assert!(second[2].1 && second[2].0.workspace_id == "ws2");
    labels.push((second[2].0.id.clone(), "contact_c".into()));
    assert_eq!(second[0].0.updated_at, t(2));
    let read = tx.contact("ws1", &a).await.unwrap();
    assert_eq!((read.name.as_str(), read.updated_at), ("Ann", t(2)));
    assert!(!read.blocked && !read.excluded_from_automation && !read.opted_out);
    assert!(matches!(
        tx.contact("ws2", &a).await,
        Err(Error::NotFound { what: "contact" })
    ));

    let conv = |number: &str, contact: &str| ConversationKey {
        workspace_id: "ws1".into(),
        number_id: number.into(),
        contact_id: contact.into(),
    };
    let touched = tx
        .touch_conversations(
            &[conv("num1", &a), conv("num1", &bob), conv("num1", &a)],
            t(3),
        )
        .await
        .unwrap();
    assert_eq!(touched.len(), 3);
    assert_eq!(touched[0], touched[2], "{n}: one conversation per key");
    assert_ne!(touched[0], touched[1]);
    let (cva, cvb) = (touched[0].clone(), touched[1].clone());
    labels.push((cva.clone(), "conversation_a".into()));
    labels.push((cvb.clone(), "conversation_b".into()));
    let cva2 = tx
        .ensure_conversation(&conv("num2", &a), t(4))
        .await
        .unwrap();
    assert_ne!(cva2, cva);
    labels.push((cva2.clone(), "conversation_a2".into()));
    assert_eq!(
        tx.ensure_conversation(&conv("num2", &a), t(5))
            .await
            .unwrap(),
        cva2
    );
    assert_eq!(
        tx.ensure_conversation(&conv("num1", &a), t(5))
            .await
            .unwrap(),
        cva,
        "{n}: an existing conversation is found, not touched"
    );

    let inbound = |contact: &str, cv: &str, cmid: &str, text: &str, at: i64| NewInbound {
        workspace_id: "ws1".into(),
        conversation_id: cv.into(),
        number_id: "num1".into(),
        contact_id: contact.into(),
        message_type: "text".into(),
        text: text.into(),
        channel_message_id: cmid.into(),
        payload: (text == "hello").then(|| json!({"k": 1})),
        reply_to: (text == "hi").then(|| "wamid.x".to_string()),
        at: t(at),
    };
    let stored = tx
        .insert_inbound(&[
            inbound(&a, &cva, "wamid.1", "hello", 5),
            inbound(&bob, &cvb, "wamid.2", "hi", 6),
            inbound(&a, &cva, "wamid.1", "again", 7),
        ])
        .await
        .unwrap();
    assert!(stored[0].is_some() && stored[1].is_some());
    assert_eq!(stored[2], None, "{n}: a duplicate channel id is skipped");
    let (ma1, mb1) = (stored[0].clone().unwrap(), stored[1].clone().unwrap());
    labels.push((ma1.clone(), "message_a1".into()));
    labels.push((mb1.clone(), "message_b1".into()));
    assert_eq!(
        tx.insert_inbound(&[inbound(&a, &cva, "wamid.1", "later", 8)])
            .await
            .unwrap(),
        [None]
    );
    assert_eq!(
        tx.conversation_stats(&cva, &ma1).await.unwrap(),
        ConversationStats {
            messages: 1,
            last_outbound_at: None,
            previous_inbound_at: None
        }
    );
    tx.commit().await.unwrap();

    let row = b
        .row(&format!(
            "SELECT last_message_at, created_at FROM conversations WHERE id = '{cva2}'"
        ))
        .await;
    assert_eq!(
        (row["last_message_at"].int(), row["created_at"].int()),
        (0, ms(4))
    );
    let row = b
        .row(&format!(
            "SELECT last_message_at FROM conversations WHERE id = '{cva}'"
        ))
        .await;
    assert_eq!(row["last_message_at"].int(), ms(3));
    let m = b
        .row(&format!("SELECT * FROM messages WHERE id = '{ma1}'"))
        .await;
    assert_eq!(m["body"].text(), "hello");
    assert_eq!(m["payload"].text(), r#"{"k":1}"#);
    assert_eq!(
        (
            m["direction"].text(),
            m["status"].text(),
            m["sender_kind"].text()
        ),
        ("inbound", "received", "contact")
    );
    assert_eq!(m["created_at"].int(), ms(5));
    let m = b
        .row(&format!("SELECT reply_to FROM messages WHERE id = '{mb1}'"))
        .await;
    assert_eq!(m["reply_to"].text(), "wamid.x");
    assert_eq!(b.value("SELECT COUNT(*) FROM messages").await, Val::Int(2));
    Story {
        labels,
        a,
        bob,
        cva,
        cvb,
        ma1,
        mb1,
        o: Vec::new(),
    }
}
