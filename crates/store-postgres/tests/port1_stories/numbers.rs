//! Every `Numbers` method.

use crate::harness::{err, is_not_found, t, All, Raw, Transcript};
use serde_json::json;
use waflow_store::{Error, MessageTemplate, NewNumber, NumberPatch};

fn template(name: &str, language: &str, status: &str, body: &str) -> MessageTemplate {
    MessageTemplate {
        name: name.into(),
        language: language.into(),
        category: "UTILITY".into(),
        status: status.into(),
        approved: false,
        components: json!([{"type": "BODY", "text": body}]),
        synced_at: t(5),
    }
}

/// The story; its transcript.
pub async fn story<S: All>(s: &S, raw: &Raw<'_>) -> Vec<String> {
    let n = raw.name();
    let mut say = Transcript::default();
    let ws = s.ensure_default_workspace().await.unwrap().id;
    let other = s.workspace_by_name_or_create("other").await.unwrap().id;

    // The sandbox number, then a linked device, oldest first.
    let sandbox = s.numbers(&ws).await.unwrap();
    assert_eq!(sandbox.len(), 1);
    assert_eq!(
        (sandbox[0].label.as_str(), sandbox[0].channel.as_str()),
        ("Sandbox", "sandbox")
    );
    let device = s
        .insert_number(&ws, "Support", "linked_device", "pairing")
        .await
        .unwrap();
    assert_eq!(
        (
            device.label.as_str(),
            device.channel.as_str(),
            device.status.as_str()
        ),
        ("Support", "linked_device", "pairing")
    );
    assert!(device.automation && !device.marketing, "{n}: the defaults");
    assert_eq!(device.external_id, None);
    assert_eq!(device.settings, json!({}));
    let listed: Vec<String> = s
        .numbers(&ws)
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.label)
        .collect();
    assert_eq!(listed, ["Sandbox", "Support"], "{n}");
    say.say("numbers", s.numbers(&ws).await.unwrap());
    assert_eq!(s.number(&ws, &device.id).await.unwrap().label, "Support");
    let e = err(s.number(&other, &device.id).await);
    assert!(is_not_found(&e, "number"), "{n}: {e:?}");

    // Patches: a label alone; a status with its reason and time; the same status again keeps
    // its time; switches.
    let relabeled = s
        .update_number(
            &ws,
            &device.id,
            &NumberPatch {
                label: Some("Sales".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (relabeled.label.as_str(), relabeled.status.as_str()),
        ("Sales", "pairing")
    );
    let since = format!(
        "SELECT status_since FROM numbers WHERE id = '{}'",
        device.id
    );
    assert_eq!(
        raw.text(&format!(
            "SELECT CAST(status_since AS TEXT) FROM numbers WHERE id = '{}'",
            device.id
        ))
        .await,
        None
    );
    let down = s
        .update_number(
            &ws,
            &device.id,
            &NumberPatch {
                status: Some("disconnected".into()),
                status_reason: Some("logged out on the phone".into()),
                at: Some(t(10)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(down.status, "disconnected");
    assert_eq!(
        down.status_reason.as_deref(),
        Some("logged out on the phone")
    );
    assert_eq!(raw.int(&since).await, t(10).timestamp_millis(), "{n}");
    let again = s
        .update_number(
            &ws,
            &device.id,
            &NumberPatch {
                status: Some("disconnected".into()),
                status_reason: Some("still logged out".into()),
                at: Some(t(20)),
                automation: Some(false),
                marketing: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        raw.int(&since).await,
        t(10).timestamp_millis(),
        "{n}: same status, same time"
    );
    assert_eq!(again.status_reason.as_deref(), Some("still logged out"));
    assert!(!again.automation && again.marketing, "{n}");
    // A reason without a status is ignored.
    let ignored = s
        .update_number(
            &ws,
            &device.id,
            &NumberPatch {
                status_reason: Some("ignored".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        ignored.status_reason.as_deref(),
        Some("still logged out"),
        "{n}"
    );
    assert_eq!(ignored.label, "Sales");
    say.say("patched", &ignored);
    let e = err(s
        .update_number(&other, &device.id, &NumberPatch::default())
        .await);
    assert!(is_not_found(&e, "number"), "{n}: {e:?}");

    // Cloud API numbers: credentials stored sealed, one number per channel and external id.
    let new = NewNumber {
        label: "Main".into(),
        channel: "cloud_api".into(),
        status: "connected".into(),
        external_id: Some("109876543210".into()),
        settings: json!({"waba_id": "2001", "display": "+1 555 0100"}),
        sealed_secrets: Some("sealed:abc".into()),
    };
    let cloud = s.insert_channel_number(&ws, &new).await.unwrap();
    assert_eq!(cloud.external_id.as_deref(), Some("109876543210"));
    assert_eq!(cloud.settings["waba_id"], "2001");
    say.say("cloud", &cloud);
    let e = err(s.insert_channel_number(&other, &new).await);
    match &e {
        Error::Conflict { field, message } => {
            assert_eq!(field, "external_id", "{n}");
            assert_eq!(
                message,
                "a cloud_api number with id 109876543210 is already connected"
            );
        }
        other => panic!("{n}: expected a conflict, got {other:?}"),
    }
    say.say("same external id", &e);
    let device2 = s
        .insert_channel_number(
            &other,
            &NewNumber {
                channel: "linked_device".into(),
                sealed_secrets: None,
                ..new.clone()
            },
        )
        .await
        .unwrap();
    let cloud2 = s
        .insert_channel_number(
            &other,
            &NewNumber {
                external_id: Some("2".into()),
                ..new.clone()
            },
        )
        .await
        .unwrap();
    let found = s.channel_number(&cloud.id).await.unwrap();
    assert_eq!(found.sealed_secrets.as_deref(), Some("sealed:abc"), "{n}");
    assert_eq!(found.number.id, cloud.id);
    let e = err(s.channel_number("num_missing").await);
    assert!(is_not_found(&e, "number"), "{n}: {e:?}");
    let of_cloud: Vec<String> = s
        .channel_numbers("cloud_api")
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.number.id)
        .collect();
    assert_eq!(of_cloud, [cloud.id.clone(), cloud2.id.clone()], "{n}");
    assert_eq!(s.channel_numbers("linked_device").await.unwrap().len(), 2);
    assert_eq!(
        s.channel_numbers("linked_device").await.unwrap()[1]
            .number
            .id,
        device2.id
    );
    assert!(s.channel_numbers("whatsapp_web").await.unwrap().is_empty());
    say.say(
        "cloud numbers",
        s.channel_numbers("cloud_api").await.unwrap(),
    );

    // Templates: replaced as a list (the first of two with one name and language kept),
    // read by name and language.
    assert!(s.templates(&ws, &cloud.id).await.unwrap().is_empty());
    s.replace_templates(
        &ws,
        &cloud.id,
        &[
            template("welcome", "en_US", "APPROVED", "Hello {{1}}"),
            template("order_update", "pt_BR", "PENDING", "Seu pedido"),
            template("order_update", "en_US", "APPROVED", "Your order"),
            template("welcome", "en_US", "REJECTED", "a second welcome"),
        ],
    )
    .await
    .unwrap();
    let listed = s.templates(&ws, &cloud.id).await.unwrap();
    let keys: Vec<(&str, &str, bool)> = listed
        .iter()
        .map(|t| (t.name.as_str(), t.language.as_str(), t.approved))
        .collect();
    assert_eq!(
        keys,
        [
            ("order_update", "en_US", true),
            ("order_update", "pt_BR", false),
            ("welcome", "en_US", true)
        ],
        "{n}"
    );
    assert_eq!(
        listed[2].components,
        json!([{"type": "BODY", "text": "Hello {{1}}"}])
    );
    assert_eq!(listed[2].synced_at, t(5));
    say.say("templates", &listed);
    assert!(
        s.templates(&other, &cloud.id).await.unwrap().is_empty(),
        "{n}"
    );
    s.replace_templates(&ws, &cloud.id, &[template("bye", "en", "PAUSED", "Bye")])
        .await
        .unwrap();
    let names: Vec<String> = s
        .templates(&ws, &cloud.id)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names, ["bye"], "{n}");
    s.replace_templates(&ws, &cloud.id, &[]).await.unwrap();
    assert!(s.templates(&ws, &cloud.id).await.unwrap().is_empty(), "{n}");
    s.replace_templates(&ws, &cloud.id, &[template("bye", "en", "APPROVED", "Bye")])
        .await
        .unwrap();

    // Deleting a number makes the workflows scoped to it global, in a new version.
    let created = t(0).timestamp_millis();
    raw.exec(&format!(
        "INSERT INTO workflows (id, workspace_id, name, version, active, priority, trigger_type, scope_number_id, created_at, updated_at) \
         VALUES ('wf_scoped', '{ws}', 'Scoped', 1, TRUE, 0, 'keyword', '{cloud}', {created}, {created}), \
                ('wf_global', '{ws}', 'Global', 1, TRUE, 0, 'keyword', NULL, {created}, {created}); \
         INSERT INTO workflow_versions (workflow_id, version, document, created_at) VALUES \
         ('wf_scoped', 1, '{{\"name\":\"Scoped\",\"scope\":\"{cloud}\"}}', {created}), \
         ('wf_global', 1, '{{\"name\":\"Global\",\"scope\":\"all\"}}', {created});",
        cloud = cloud.id
    ))
    .await;
    let e = err(s.delete_number(&other, &cloud.id).await);
    assert!(is_not_found(&e, "number"), "{n}: {e:?}");
    s.delete_number(&ws, &cloud.id).await.unwrap();
    let e = err(s.number(&ws, &cloud.id).await);
    assert!(is_not_found(&e, "number"));
    let e = err(s.delete_number(&ws, &cloud.id).await);
    assert!(is_not_found(&e, "number"), "{n}: {e:?}");
    say.say("deleted twice", &e);
    assert_eq!(
        raw.text("SELECT COALESCE(scope_number_id, 'none') || ' v' || CAST(version AS TEXT) FROM workflows WHERE id = 'wf_scoped'")
            .await
            .as_deref(),
        Some("none v2"),
        "{n}"
    );
    let doc = raw
        .text("SELECT document FROM workflow_versions WHERE workflow_id = 'wf_scoped' AND version = 2")
        .await
        .unwrap();
    let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
    assert_eq!(doc, json!({"name": "Scoped", "scope": "all"}), "{n}");
    assert_eq!(
        raw.int("SELECT version FROM workflows WHERE id = 'wf_global'")
            .await,
        1
    );
    assert_eq!(
        raw.int(&format!(
            "SELECT COUNT(*) FROM message_templates WHERE number_id = '{}'",
            cloud.id
        ))
        .await,
        0,
        "{n}: its templates went with it"
    );
    say.say("left", s.numbers(&ws).await.unwrap());

    say.finish()
}
