//! Every `WebhookInbox` method.

use crate::harness::{All, Raw, Transcript};
use waflow_store::NewWebhookDelivery;

/// The story; its transcript.
pub async fn story<S: All>(s: &S, raw: &Raw<'_>) -> Vec<String> {
    let n = raw.name();
    let mut say = Transcript::default();
    let ws = s.ensure_default_workspace().await.unwrap().id;
    let number = s.numbers(&ws).await.unwrap()[0].id.clone();
    let body =
        |k: u32| format!(r#"{{"object":"whatsapp_business_account","entry":[{{"id":"{k}"}}]}}"#);
    let delivery = |k: u32| NewWebhookDelivery {
        workspace_id: ws.clone(),
        number_id: number.clone(),
        body: body(k),
    };

    assert!(s.insert_webhook_deliveries(&[]).await.unwrap().is_empty());
    assert!(s.pending_webhook_deliveries(10).await.unwrap().is_empty());
    s.finish_webhook_deliveries(&[]).await.unwrap();

    // Stored in one go, ids in input order.
    let ids = s
        .insert_webhook_deliveries(&[delivery(1), delivery(2), delivery(3)])
        .await
        .unwrap();
    assert_eq!(ids.len(), 3);
    assert!(ids.iter().all(|id| id.starts_with("whk_")), "{n}: {ids:?}");
    let more = s.insert_webhook_deliveries(&[delivery(4)]).await.unwrap();
    say.say("ids", (&ids, &more));

    // Pending: oldest first, at most the limit (a negative limit is none, as on SQLite).
    let pending = s.pending_webhook_deliveries(10).await.unwrap();
    let seen: Vec<(&str, &str)> = pending
        .iter()
        .map(|d| (d.id.as_str(), d.body.as_str()))
        .collect();
    let expected: Vec<(String, String)> = ids
        .iter()
        .chain(&more)
        .zip(1..)
        .map(|(id, k)| (id.clone(), body(k)))
        .collect();
    let expected: Vec<(&str, &str)> = expected
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(seen, expected, "{n}");
    assert!(pending
        .iter()
        .all(|d| d.workspace_id == ws && d.number_id == number));
    say.say("pending", &pending);
    let two = s.pending_webhook_deliveries(2).await.unwrap();
    assert_eq!(
        two.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        [ids[0].as_str(), ids[1].as_str()],
        "{n}"
    );
    assert_eq!(
        s.pending_webhook_deliveries(-1).await.unwrap().len(),
        4,
        "{n}"
    );
    assert!(s.pending_webhook_deliveries(0).await.unwrap().is_empty());

    // Among several nodes: a node's own deliveries, and those orphaned (received before).
    let long_ago = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    let later = chrono::Utc::now() + chrono::Duration::hours(1);
    let among = |found: Vec<waflow_store::WebhookDelivery>| -> Vec<String> {
        found.into_iter().map(|d| d.id).collect()
    };
    let mine = [more[0].clone(), ids[1].clone(), "whk_unknown".to_string()];
    assert_eq!(
        among(
            s.pending_webhook_deliveries_among(10, &mine, long_ago)
                .await
                .unwrap()
        ),
        [ids[1].clone(), more[0].clone()],
        "{n}: own ones only, oldest first"
    );
    assert_eq!(
        among(
            s.pending_webhook_deliveries_among(1, &mine, long_ago)
                .await
                .unwrap()
        ),
        [ids[1].clone()],
        "{n}: within the limit"
    );
    assert!(
        s.pending_webhook_deliveries_among(10, &[], long_ago)
            .await
            .unwrap()
            .is_empty(),
        "{n}: nothing own, nothing orphaned"
    );
    assert_eq!(
        among(
            s.pending_webhook_deliveries_among(10, &[], later)
                .await
                .unwrap()
        )
        .len(),
        4,
        "{n}: every one received before is orphaned"
    );

    // Finished, each with the error that stopped part of it (the last one given, for an id
    // given twice); unknown ids change nothing.
    s.finish_webhook_deliveries(&[
        (ids[0].clone(), None),
        (ids[2].clone(), Some("first try".into())),
        ("whk_missing".into(), None),
        (ids[2].clone(), Some("unknown number".into())),
    ])
    .await
    .unwrap();
    let left: Vec<String> = s
        .pending_webhook_deliveries(10)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(left, [ids[1].clone(), more[0].clone()], "{n}");
    let error = |id: &str| format!("SELECT error FROM webhook_events WHERE id = '{id}'");
    assert_eq!(raw.text(&error(&ids[0])).await, None, "{n}");
    assert_eq!(
        raw.text(&error(&ids[2])).await.as_deref(),
        Some("unknown number"),
        "{n}"
    );
    assert_eq!(
        raw.int("SELECT COUNT(*) FROM webhook_events WHERE processed_at IS NOT NULL")
            .await,
        2,
        "{n}"
    );
    s.finish_webhook_deliveries(&[(ids[1].clone(), None), (more[0].clone(), None)])
        .await
        .unwrap();
    assert!(
        s.pending_webhook_deliveries(10).await.unwrap().is_empty(),
        "{n}"
    );
    say.say(
        "errors",
        raw.text("SELECT MAX(error) FROM webhook_events").await,
    );

    // A delivery of an unknown workspace is refused, and with it the whole batch.
    let mut bad = delivery(5);
    bad.workspace_id = "ws_missing".into();
    assert!(
        s.insert_webhook_deliveries(&[delivery(6), bad])
            .await
            .is_err(),
        "{n}"
    );
    assert_eq!(
        raw.int("SELECT COUNT(*) FROM webhook_events").await,
        4,
        "{n}: nothing of it stored"
    );

    say.finish()
}
