//! Every `Runs` method: reading runs, ending a contact's runs, leasing due steps.

use crate::common::{Backend, Val};
use crate::{err, ms, t, Port2, Transcript};
use waflow_store::DueStep;

fn seed() -> String {
    format!(
        "\
INSERT INTO workflows (id, workspace_id, name, version, active, priority, trigger_type, created_at, updated_at)
  VALUES ('wf1', 'ws1', 'Welcome', 1, TRUE, 1, 'keyword', 0, 0);
INSERT INTO runs (id, workspace_id, workflow_id, workflow_version, contact_id, number_id, conversation_id, state, current_step, variables, history, created_at, updated_at) VALUES
  ('run_1', 'ws1', 'wf1', 1, 'ct1', 'num1', 'cv1', 'active', 'ask', '{{\"x\": 1}}', '[\"start\"]', {a}, {a}),
  ('run_2', 'ws1', 'wf1', 1, 'ct1', 'num2', 'cv3', 'waiting', 'wait', '{{}}', '[]', {b}, {b}),
  ('run_3', 'ws1', 'wf1', 1, 'ct1', 'num1', 'cv1', 'completed', NULL, '{{}}', '[]', {b}, {b}),
  ('run_4', 'ws1', 'wf1', 1, 'ct2', 'num1', 'cv2', 'active', 'ask', '{{}}', '[]', {b}, {b}),
  ('run_9', 'ws2', 'wf9', 1, 'ct9', 'num9', 'cv9', 'active', 'ask', '{{}}', '[]', {b}, {b});
INSERT INTO due_steps (id, run_id, workspace_id, step_id, kind, due_at, lease_owner, lease_until) VALUES
  ('ds_1', 'run_1', 'ws1', 'ask', 'step', {d10}, NULL, 0),
  ('ds_2', 'run_2', 'ws1', 'wait', 'timeout', {d20}, NULL, 0),
  ('ds_4', 'run_4', 'ws1', 'ask', 'step', {d5}, NULL, 0),
  ('ds_5', 'run_4', 'ws1', 'ai', 'step', {d30}, 'other', {d100}),
  ('ds_6', 'run_4', 'ws1', 'later', 'step', {d500}, NULL, 0);
",
        a = ms(1),
        b = ms(2),
        d5 = ms(5),
        d10 = ms(10),
        d20 = ms(20),
        d30 = ms(30),
        d100 = ms(100),
        d500 = ms(500),
    )
}

fn shown(steps: &[DueStep]) -> Vec<(String, String, i64, i64)> {
    steps
        .iter()
        .map(|d| {
            (
                d.id.clone(),
                d.kind.clone(),
                (d.due_at - t(0)).num_seconds(),
                d.attempts,
            )
        })
        .collect()
}

pub async fn story(s: &dyn Port2, b: &dyn Backend) -> Transcript {
    let n = b.name();
    let mut say = Transcript::new();
    b.exec(&seed()).await;

    // Reading.
    let r1 = s.run("ws1", "run_1").await.unwrap();
    assert_eq!(
        (r1.state.as_str(), r1.current_step.as_deref()),
        ("active", Some("ask")),
        "{n}"
    );
    assert_eq!(r1.variables, serde_json::json!({"x": 1}), "{n}");
    assert_eq!(r1.history, serde_json::json!(["start"]), "{n}");
    assert_eq!(r1.created_at, t(1), "{n}");
    say.say("run 1", &r1);
    let e = s.run("ws2", "run_1").await.map(|r| r.id).map_err(err);
    assert_eq!(e, Err("NotFound(run)".to_string()), "{n}");
    say.say("run 1 in ws2", e);
    let of_ann = s.runs_of_contact("ws1", "ct1").await.unwrap();
    let ids: Vec<&str> = of_ann.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["run_1", "run_2", "run_3"], "{n}");
    say.say("runs of ct1", ids);
    assert!(
        s.runs_of_contact("ws2", "ct1").await.unwrap().is_empty(),
        "{n}"
    );

    // Leasing: due steps not leased by a live owner, by due time, up to the limit.
    assert_eq!(s.next_due_at().await.unwrap(), Some(t(5)), "{n}");
    assert!(
        s.claim_due_steps(t(40), "me", t(70), 0)
            .await
            .unwrap()
            .is_empty(),
        "{n}"
    );
    let first = s.claim_due_steps(t(40), "me", t(70), 2).await.unwrap();
    assert_eq!(
        shown(&first),
        [
            ("ds_4".into(), "step".into(), 5, 1),
            ("ds_1".into(), "step".into(), 10, 1)
        ],
        "{n}"
    );
    assert_eq!(
        (first[0].run_id.as_str(), first[0].workspace_id.as_str()),
        ("run_4", "ws1")
    );
    say.say("claim 2", &first);
    let second = s.claim_due_steps(t(40), "me", t(70), 10).await.unwrap();
    assert_eq!(
        shown(&second),
        [("ds_2".into(), "timeout".into(), 20, 1)],
        "{n}"
    );
    say.say("claim rest", shown(&second));
    assert!(
        s.claim_due_steps(t(40), "you", t(70), 10)
            .await
            .unwrap()
            .is_empty(),
        "{n}"
    );
    assert_eq!(
        b.rows("SELECT id, lease_owner, lease_until FROM due_steps WHERE id IN ('ds_1', 'ds_5') ORDER BY id")
            .await,
        [
            vec![Val::Text("ds_1".into()), Val::Text("me".into()), Val::Int(ms(70))],
            vec![Val::Text("ds_5".into()), Val::Text("other".into()), Val::Int(ms(100))],
        ],
        "{n}"
    );
    // The earliest a step can be claimed is when the leases end.
    assert_eq!(s.next_due_at().await.unwrap(), Some(t(70)), "{n}");
    // Leases ended: taken again (a negative limit is none, as on SQLite).
    let again = s.claim_due_steps(t(80), "me2", t(90), -1).await.unwrap();
    assert_eq!(
        shown(&again),
        [
            ("ds_4".into(), "step".into(), 5, 2),
            ("ds_1".into(), "step".into(), 10, 2),
            ("ds_2".into(), "timeout".into(), 20, 2)
        ],
        "{n}"
    );
    say.say("claim after leases", shown(&again));
    let late = s.claim_due_steps(t(100), "me3", t(110), 10).await.unwrap();
    assert_eq!(
        late.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        ["ds_4", "ds_1", "ds_2", "ds_5"]
    );
    say.say("claim at 100", shown(&late));

    // Ending a contact's live runs: their timers go, a log entry each; others stay.
    let ended = s.end_contact_runs("ws1", "ct1", "opted out").await.unwrap();
    assert_eq!(ended, ["run_1", "run_2"], "{n}");
    say.say("ended", &ended);
    let states = b.rows("SELECT id, state FROM runs ORDER BY id").await;
    say.say("states", &states);
    assert_eq!(
        b.rows("SELECT id FROM due_steps ORDER BY id").await,
        [
            vec![Val::Text("ds_4".into())],
            vec![Val::Text("ds_5".into())],
            vec![Val::Text("ds_6".into())]
        ],
        "{n}"
    );
    let logs = b
        .rows(
            "SELECT workspace_id, kind, outcome, summary, number_id, contact_id, message_id, workflow_id, run_id, detail \
             FROM log_entries ORDER BY run_id",
        )
        .await;
    assert_eq!(logs.len(), 2, "{n}");
    assert_eq!(logs[0][3], Val::Text("run ended: opted out".into()), "{n}");
    assert_eq!(logs[1][4], Val::Text("num2".into()), "{n}");
    assert_eq!(
        logs[0][9],
        Val::Text(r#"{"reason":"opted out"}"#.into()),
        "{n}"
    );
    say.say("logs", &logs);
    assert!(
        s.end_contact_runs("ws1", "ct1", "again")
            .await
            .unwrap()
            .is_empty(),
        "{n}"
    );
    assert!(
        s.end_contact_runs("ws2", "ct2", "elsewhere")
            .await
            .unwrap()
            .is_empty(),
        "{n}"
    );
    assert_eq!(s.run("ws1", "run_4").await.unwrap().state, "active", "{n}");
    let r1 = s.run("ws1", "run_1").await.unwrap();
    assert!(r1.updated_at > t(2), "{n}");

    // No steps: nothing is due.
    b.exec("DELETE FROM due_steps").await;
    assert_eq!(s.next_due_at().await.unwrap(), None, "{n}");
    say.say("next due, none", s.next_due_at().await.unwrap());
    say
}
