//! Every `Workflows` method: versions, drafts, counters, deletion (ending live runs) and sets.

use crate::common::{Backend, Val};
use crate::{err, Port2, Transcript};
use chrono::Utc;
use serde_json::json;
use waflow_store::{Workflow, WorkflowWrite};

fn write(
    name: &str,
    active: bool,
    priority: i64,
    trigger: &str,
    doc: serde_json::Value,
) -> WorkflowWrite {
    WorkflowWrite {
        name: name.into(),
        active,
        priority,
        trigger_type: trigger.into(),
        phrase_key: (trigger == "keyword").then(|| "hi".to_string()),
        scope_number_id: (trigger == "date").then(|| "num1".to_string()),
        document: doc,
    }
}

/// The fields that do not depend on the clock.
fn shown(w: &Workflow) -> String {
    format!(
        "{} {} {} v{} active={} prio={} {} {:?} {:?} {}",
        w.id,
        w.workspace_id,
        w.name,
        w.version,
        w.active,
        w.priority,
        w.trigger_type,
        w.phrase_key,
        w.scope_number_id,
        w.document
    )
}

pub async fn story(s: &dyn Port2, b: &dyn Backend) -> Transcript {
    let n = b.name();
    let mut say = Transcript::new();
    let start = Utc::now() - chrono::Duration::seconds(1);

    // Creating: version 1, as written.
    let a = s
        .insert_workflow(
            "ws1",
            &write("Welcome", true, 2, "keyword", json!({"steps": [1]})),
        )
        .await
        .unwrap();
    say.label(&a.id, "wfA");
    assert!(a.id.starts_with("wf_"), "{n}");
    assert_eq!((a.version, a.active, a.priority), (1, true, 2), "{n}");
    assert_eq!(a.phrase_key.as_deref(), Some("hi"), "{n}");
    assert_eq!(a.document, json!({"steps": [1]}), "{n}");
    assert!(a.created_at >= start && a.updated_at == a.created_at, "{n}");
    say.say("insert A", shown(&a));
    let bw = s
        .insert_workflow(
            "ws1",
            &write("Later", false, 1, "date", json!({"steps": []})),
        )
        .await
        .unwrap();
    say.label(&bw.id, "wfB");
    assert_eq!(bw.scope_number_id.as_deref(), Some("num1"), "{n}");
    say.say("insert B", shown(&bw));
    let c = s
        .insert_workflow("ws2", &write("Other", true, 1, "idle", json!({})))
        .await
        .unwrap();
    say.label(&c.id, "wfC");
    say.say("insert C", shown(&c));
    let e = s
        .insert_workflow("ws_missing", &write("X", true, 1, "idle", json!({})))
        .await
        .map(|w| w.id)
        .map_err(err);
    assert_eq!(
        e,
        Err("Backend".to_string()),
        "{n}: a workspace that does not exist"
    );

    // Updating: a new version, the old one kept; another workspace's workflow is not found.
    let a2 = s
        .update_workflow(
            "ws1",
            &a.id,
            &write("Welcome 2", true, 3, "keyword", json!({"steps": [2]})),
        )
        .await
        .unwrap();
    assert_eq!(
        (a2.version, a2.name.as_str(), a2.priority),
        (2, "Welcome 2", 3),
        "{n}"
    );
    assert_eq!(a2.document, json!({"steps": [2]}), "{n}");
    assert_eq!(a2.created_at, a.created_at, "{n}");
    say.say("update A", shown(&a2));
    for (ws, id) in [("ws2", a.id.as_str()), ("ws1", "wf_missing")] {
        let e = s
            .update_workflow(ws, id, &write("Y", true, 1, "idle", json!({})))
            .await
            .map(|w| w.id)
            .map_err(err);
        assert_eq!(
            e,
            Err("NotFound(workflow)".to_string()),
            "{n}: update {ws} {id}"
        );
    }
    assert_eq!(
        b.value(&format!(
            "SELECT COUNT(*) FROM workflow_versions WHERE workflow_id = '{}'",
            a.id
        ))
        .await,
        Val::Int(2),
        "{n}"
    );

    // Listing: by priority, then age; one of another workspace is not found.
    let list = s.workflows("ws1").await.unwrap();
    let ids: Vec<&str> = list.iter().map(|w| w.id.as_str()).collect();
    assert_eq!(ids, [bw.id.as_str(), a.id.as_str()], "{n}");
    say.say("workflows ws1", list.iter().map(shown).collect::<Vec<_>>());
    assert!(s.workflows("ws_none").await.unwrap().is_empty(), "{n}");
    let one = s.workflow("ws1", &a.id).await.unwrap();
    assert_eq!(
        (one.version, one.document.clone()),
        (2, json!({"steps": [2]})),
        "{n}"
    );
    say.say("workflow A", shown(&one));
    say.say(
        "workflow A in ws2",
        s.workflow("ws2", &a.id).await.map(|w| w.id).map_err(err),
    );

    // Versions: each immutable document; version 0 (a stand-in) is never listed.
    assert_eq!(
        s.workflow_version(&a.id, 1).await.unwrap(),
        json!({"steps": [1]}),
        "{n}"
    );
    assert_eq!(
        s.workflow_version(&a.id, 2).await.unwrap(),
        json!({"steps": [2]}),
        "{n}"
    );
    let e = s.workflow_version(&a.id, 3).await.map_err(err);
    assert_eq!(e, Err("NotFound(workflow version)".to_string()), "{n}");
    say.say("version 3", e);
    b.exec(&format!(
        "INSERT INTO workflow_versions (workflow_id, version, document, created_at) VALUES ('{}', 0, '{{}}', 0)",
        a.id
    ))
    .await;
    let versions = s.workflow_versions("ws1", &a.id).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.0).collect::<Vec<_>>(),
        [1, 2],
        "{n}"
    );
    assert!(versions.iter().all(|v| v.1 >= start), "{n}");
    say.say("versions", versions.iter().map(|v| v.0).collect::<Vec<_>>());
    assert!(
        s.workflow_versions("ws2", &a.id).await.unwrap().is_empty(),
        "{n}"
    );

    // By id alone (the integration URL): any workspace.
    let by_id = s.workflow_by_id(&c.id).await.unwrap();
    assert_eq!(by_id.workspace_id, "ws2", "{n}");
    say.say("by id C", shown(&by_id));
    say.say(
        "by id missing",
        s.workflow_by_id("wf_missing")
            .await
            .map(|w| w.id)
            .map_err(err),
    );

    // Counters: ordered by step, then counter; none through another workspace.
    b.exec(&format!(
        "INSERT INTO workflow_counters (workflow_id, step_id, counter, value) VALUES \
         ('{0}', 'ask', 'sent', 2), ('{0}', '', 'entered', 3), ('{0}', 'ask', 'answered', 1), ('{1}', '', 'entered', 9)",
        a.id, c.id
    ))
    .await;
    let counters = s.workflow_counters("ws1", &a.id).await.unwrap();
    assert_eq!(
        counters,
        [
            (String::new(), "entered".to_string(), 3),
            ("ask".to_string(), "answered".to_string(), 1),
            ("ask".to_string(), "sent".to_string(), 2)
        ],
        "{n}"
    );
    say.say("counters", &counters);
    assert!(
        s.workflow_counters("ws2", &a.id).await.unwrap().is_empty(),
        "{n}"
    );

    // Drafts.
    assert_eq!(s.workflow_draft("ws1", &a.id).await.unwrap(), None, "{n}");
    s.set_workflow_draft("ws1", &a.id, Some(&json!({"steps": [3]})))
        .await
        .unwrap();
    assert_eq!(
        s.workflow_draft("ws1", &a.id).await.unwrap(),
        Some(json!({"steps": [3]})),
        "{n}"
    );
    say.say("draft", s.workflow_draft("ws1", &a.id).await.unwrap());
    s.set_workflow_draft("ws1", &a.id, None).await.unwrap();
    assert_eq!(s.workflow_draft("ws1", &a.id).await.unwrap(), None, "{n}");
    let e = s
        .set_workflow_draft("ws2", &a.id, Some(&json!({})))
        .await
        .map_err(err);
    assert_eq!(e, Err("NotFound(workflow)".to_string()), "{n}");
    let e = s.workflow_draft("ws2", &a.id).await.map_err(err);
    assert_eq!(e, Err("NotFound(workflow)".to_string()), "{n}");
    say.say("draft in ws2", e);

    // Deleting: B's live runs end and lose their timers; finished runs stay as they were.
    b.exec(&format!(
        "INSERT INTO runs (id, workspace_id, workflow_id, workflow_version, contact_id, number_id, conversation_id, state, created_at, updated_at) VALUES \
         ('run_1', 'ws1', '{0}', 1, 'ct1', 'num1', 'cv1', 'active', 0, 0), \
         ('run_2', 'ws1', '{0}', 1, 'ct2', 'num1', 'cv2', 'waiting', 0, 0), \
         ('run_3', 'ws1', '{0}', 1, 'ct3', 'num1', 'cv3', 'completed', 0, 0), \
         ('run_4', 'ws1', '{1}', 2, 'ct3', 'num1', 'cv3', 'active', 0, 0); \
         INSERT INTO due_steps (id, run_id, workspace_id, step_id, kind, due_at) VALUES \
         ('ds_1', 'run_1', 'ws1', 's', 'step', 0), ('ds_2', 'run_2', 'ws1', 's', 'timeout', 0), \
         ('ds_3', 'run_3', 'ws1', 's', 'step', 0), ('ds_4', 'run_4', 'ws1', 's', 'step', 0)",
        bw.id, a.id
    ))
    .await;
    let ids = [
        bw.id.clone(),
        bw.id.clone(),
        "wf_missing".to_string(),
        c.id.clone(),
    ];
    assert_eq!(s.delete_workflows("ws1", &ids).await.unwrap(), 1, "{n}");
    assert_eq!(s.delete_workflows("ws1", &[]).await.unwrap(), 0, "{n}");
    let runs = b
        .rows("SELECT id, state, updated_at > 0 FROM runs ORDER BY id")
        .await;
    let txt = |v: &str| Val::Text(v.to_string());
    assert_eq!(
        runs,
        [
            vec![txt("run_1"), txt("ended"), Val::Int(1)],
            vec![txt("run_2"), txt("ended"), Val::Int(1)],
            vec![txt("run_3"), txt("completed"), Val::Int(0)],
            vec![txt("run_4"), txt("active"), Val::Int(0)],
        ],
        "{n}"
    );
    say.say("runs after delete", &runs);
    let steps = b.rows("SELECT id FROM due_steps ORDER BY id").await;
    say.say("due steps after delete", &steps);
    assert_eq!(steps, [vec![txt("ds_3")], vec![txt("ds_4")]], "{n}");
    assert_eq!(
        b.value(&format!(
            "SELECT COUNT(*) FROM workflow_versions WHERE workflow_id = '{}'",
            bw.id
        ))
        .await,
        Val::Int(0),
        "{n}"
    );
    say.say(
        "B after delete",
        s.workflow("ws1", &bw.id).await.map(|w| w.id).map_err(err),
    );
    say.say(
        "C after delete",
        s.workflow("ws2", &c.id).await.map(|w| w.id),
    );

    // Sets: immutable, by id; the same id twice is a conflict.
    let members = json!([{"id": a.id, "version": 2}]);
    s.insert_workflow_set("ws1", "wset_1", &members)
        .await
        .unwrap();
    let e = s
        .insert_workflow_set("ws1", "wset_1", &json!([]))
        .await
        .map_err(err);
    assert_eq!(e, Err("Conflict(\"\")".to_string()), "{n}");
    say.say("set twice", e);
    assert_eq!(
        s.workflow_set("ws1", "wset_1").await.unwrap(),
        members,
        "{n}"
    );
    say.say("set", s.workflow_set("ws1", "wset_1").await.unwrap());
    let e = s.workflow_set("ws2", "wset_1").await.map_err(err);
    assert_eq!(e, Err("NotFound(workflow set)".to_string()), "{n}");
    say.say("set in ws2", e);
    say
}
