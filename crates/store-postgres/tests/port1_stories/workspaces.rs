//! Every `Workspaces` method.

use crate::harness::{err, is_not_found, All, Raw, Transcript};
use serde_json::json;
use waflow_store::WorkspaceSettings;

/// The story; its transcript.
pub async fn story<S: All>(s: &S, raw: &Raw<'_>) -> Vec<String> {
    let n = raw.name();
    let mut say = Transcript::default();

    assert!(s.workspaces().await.unwrap().is_empty(), "{n}");

    // The default workspace, made once, with its sandbox number.
    let default = s.ensure_default_workspace().await.unwrap();
    assert_eq!(default.name, "default");
    assert_eq!(default.time_zone, "UTC");
    assert_eq!(default.business_hours, json!({}));
    assert_eq!(default.holidays, json!([]));
    assert_eq!(default.events_url, None);
    assert!(!default.agents_may_self_assign);
    assert_eq!(default.takeover_hours, 24);
    say.say("default", &default);
    let again = s.ensure_default_workspace().await.unwrap();
    assert_eq!(again.id, default.id, "{n}");
    let sandbox = format!(
        "SELECT COUNT(*) FROM numbers WHERE workspace_id = '{}' AND label = 'Sandbox' \
         AND channel = 'sandbox' AND status = 'connected'",
        default.id
    );
    assert_eq!(raw.int(&sandbox).await, 1, "{n}: one sandbox number");
    assert_eq!(raw.int("SELECT COUNT(*) FROM numbers").await, 1, "{n}");

    // By name: found, or created (with a sandbox number).
    let acme = s.workspace_by_name_or_create("acme").await.unwrap();
    assert_eq!(acme.name, "acme");
    assert_ne!(acme.id, default.id);
    let acme_again = s.workspace_by_name_or_create("acme").await.unwrap();
    assert_eq!(acme_again.id, acme.id);
    let by_default_name = s.workspace_by_name_or_create("default").await.unwrap();
    assert_eq!(by_default_name.id, default.id);
    assert_eq!(raw.int("SELECT COUNT(*) FROM numbers").await, 2, "{n}");
    say.say("acme", &acme);

    // Two callers at once: one workspace, one sandbox number (on PostgreSQL, two transactions).
    let (a, b) = tokio::join!(
        s.workspace_by_name_or_create("race"),
        s.workspace_by_name_or_create("race")
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.id, b.id, "{n}: both callers get the one workspace");
    assert_eq!(
        raw.int(&format!(
            "SELECT COUNT(*) FROM numbers WHERE workspace_id = '{}'",
            a.id
        ))
        .await,
        1,
        "{n}"
    );

    // All, in id (creation) order.
    let all = s.workspaces().await.unwrap();
    let names: Vec<&str> = all.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["default", "acme", "race"], "{n}");
    say.say("workspaces", &names);

    // One, or not found.
    assert_eq!(s.workspace(&acme.id).await.unwrap().name, "acme");
    let e = err(s.workspace("ws_missing").await);
    assert!(is_not_found(&e, "workspace"), "{n}: {e:?}");
    say.say("missing workspace", &e);

    // Settings: all written in one statement, read back as written.
    let settings = WorkspaceSettings {
        time_zone: "Europe/Berlin".into(),
        business_hours: json!({"mon": [["09:00", "17:00"]], "sat": []}),
        holidays: json!(["2030-12-25", "2030-12-26"]),
        agents_may_self_assign: true,
        takeover_hours: 6,
    };
    let updated = s
        .update_workspace_settings(&acme.id, &settings)
        .await
        .unwrap();
    assert_eq!(updated.id, acme.id);
    assert_eq!(updated.time_zone, "Europe/Berlin");
    assert_eq!(updated.business_hours, settings.business_hours);
    assert_eq!(updated.holidays, settings.holidays);
    assert!(updated.agents_may_self_assign);
    assert_eq!(updated.takeover_hours, 6);
    assert_eq!(updated.created_at, acme.created_at);
    say.say("settings", &updated);
    let read = s.workspace(&acme.id).await.unwrap();
    assert_eq!(read.time_zone, "Europe/Berlin");
    assert!(read.agents_may_self_assign);
    // The other workspace is untouched.
    assert_eq!(s.workspace(&default.id).await.unwrap().time_zone, "UTC");
    let off = WorkspaceSettings {
        agents_may_self_assign: false,
        ..settings.clone()
    };
    assert!(
        !s.update_workspace_settings(&acme.id, &off)
            .await
            .unwrap()
            .agents_may_self_assign
    );
    let e = err(s.update_workspace_settings("ws_missing", &settings).await);
    assert!(is_not_found(&e, "workspace"), "{n}: {e:?}");

    // The events URL: set, then cleared.
    let set = s
        .set_events_url(&acme.id, Some("https://hooks.example.com/waflow"))
        .await
        .unwrap();
    assert_eq!(
        set.events_url.as_deref(),
        Some("https://hooks.example.com/waflow")
    );
    assert_eq!(set.time_zone, "Europe/Berlin");
    say.say("events url", &set);
    let cleared = s.set_events_url(&acme.id, None).await.unwrap();
    assert_eq!(cleared.events_url, None);
    let e = err(s.set_events_url("ws_missing", Some("https://x")).await);
    assert!(is_not_found(&e, "workspace"), "{n}: {e:?}");
    say.say("events url of a missing workspace", &e);

    say.finish()
}
