use super::*;
use crate::message::MessageType;
use serde_json::{json, Value};

fn wf(id: &str, doc: Value) -> ActiveWorkflow {
    let mut doc = doc;
    doc["name"] = json!(id);
    doc["steps"] = json!([{"type": "send_text", "text": id}]);
    ActiveWorkflow {
        id: id.into(),
        version: 1,
        document: Arc::new(WorkflowDocument::parse(&doc).unwrap()),
    }
}

fn run(
    set: &WorkflowSet,
    text: &str,
    waiting: bool,
    calendar: &Calendar,
    now: &str,
) -> (Vec<String>, Evaluation) {
    let msg = InboundView {
        message_type: MessageType::Text,
        text: text.into(),
    };
    let contact = ContactView::default();
    let now = DateTime::parse_from_rfc3339(now)
        .unwrap()
        .with_timezone(&Utc);
    let input = Inbound {
        number_id: "n1",
        message: &msg,
        contact: &contact,
        contact_is_new: false,
        has_waiting_run: waiting,
        calendar,
        now,
        conversation: None,
    };
    let eval = set.evaluate(&input);
    (
        eval.start
            .iter()
            .map(|&i| set.workflows[i].id.clone())
            .collect(),
        eval,
    )
}

const MONDAY_NOON: &str = "2026-06-01T10:00:00Z";
const MONDAY_NIGHT: &str = "2026-06-01T21:00:00Z";

fn calendar() -> Calendar {
    let hours = json!({"mon": ["09:00-18:00"], "tue": ["09:00-18:00"]});
    Calendar {
        time_zone: chrono_tz::Europe::Rome,
        business_hours: crate::calendar::WeeklySchedule::parse(&hours, &Path::root("h")).unwrap(),
        holidays: Calendar::parse_holidays(&json!(["06-02"]), &Path::root("x")).unwrap(),
    }
}

#[test]
fn priority_order_and_stop_on_match() {
    let cal = calendar();
    let set = WorkflowSet::new(vec![
        wf(
            "late",
            json!({"priority": 50, "trigger": {"type": "message_received"}}),
        ),
        wf(
            "early",
            json!({"priority": 1, "trigger": {"type": "message_received"}}),
        ),
        wf(
            "stopper",
            json!({"priority": 10, "stop_on_match": true, "trigger": {"type": "message_received"},
            "conditions": {"type": "text", "op": "contains", "values": ["stop"]}}),
        ),
    ]);
    assert_eq!(
        run(&set, "hello", false, &cal, MONDAY_NOON).0,
        vec!["early", "late"]
    );
    assert_eq!(
        run(&set, "please stop", false, &cal, MONDAY_NOON).0,
        vec!["early", "stopper"]
    );
}

#[test]
fn exact_phrase_beats_waiting_run_and_everything_else() {
    let cal = calendar();
    let set = WorkflowSet::new(vec![
        wf(
            "any",
            json!({"priority": 1, "trigger": {"type": "message_received"}}),
        ),
        wf(
            "phrase",
            json!({"trigger": {"type": "exact_phrase", "phrase": "Voglio  il Catalogo"}}),
        ),
    ]);
    let (started, eval) = run(&set, "  voglio il catalogo ", true, &cal, MONDAY_NOON);
    assert_eq!(started, vec!["phrase"]);
    assert_eq!(eval.stage, "exact_phrase");
    let (started, eval) = run(&set, "something else", true, &cal, MONDAY_NOON);
    assert!(started.is_empty());
    assert!(eval.resume_waiting_run);
}

#[test]
fn fallbacks_only_when_nothing_matched_holiday_first() {
    let cal = calendar();
    let set = WorkflowSet::new(vec![
        wf(
            "price",
            json!({"trigger": {"type": "message_received"}, "conditions": {"type": "text", "op": "contains", "values": ["price"]}}),
        ),
        wf(
            "ooh",
            json!({"trigger": {"type": "outside_business_hours"}}),
        ),
        wf("holiday", json!({"trigger": {"type": "holiday"}})),
    ]);
    assert_eq!(
        run(&set, "price?", false, &cal, MONDAY_NIGHT).0,
        vec!["price"]
    );
    assert_eq!(run(&set, "hello", false, &cal, MONDAY_NIGHT).0, vec!["ooh"]);
    assert!(run(&set, "hello", false, &cal, MONDAY_NOON).0.is_empty());
    // Tuesday 2 June is a holiday here: the holiday workflow answers, not the out-of-hours one.
    assert_eq!(
        run(&set, "hello", false, &cal, "2026-06-02T10:00:00Z").0,
        vec!["holiday"]
    );
}

#[test]
fn keyword_index_skips_without_evaluating_and_says_which_condition() {
    let cal = calendar();
    let mut docs = Vec::new();
    for i in 0..100 {
        docs.push(wf(&format!("w{i}"), json!({"priority": i, "trigger": {"type": "message_received"},
            "conditions": {"all": [{"type": "text", "op": "contains", "values": [format!("kw{i}x")]}]}})));
    }
    let set = WorkflowSet::new(docs);
    let (started, eval) = run(&set, "about KW42X please", false, &cal, MONDAY_NOON);
    assert_eq!(started, vec!["w42"]);
    assert_eq!(eval.considered.len(), 1);
    assert_eq!(eval.skipped.len(), 99);
    let mask = set.skipped_mask(&eval.skipped);
    assert_eq!(mask.len(), 26, "100 workflows fit in 13 bytes");
    let named = expand_skipped(&mask, &set.members());
    assert_eq!(named.len(), 99);
    assert_eq!(named[0].workflow_id, "w0");
    assert_eq!(named[0].path, "conditions.all[0]");
    assert!(named.iter().all(|s| s.workflow_id != "w42"));
}

#[test]
fn a_skipped_workflow_explains_its_keyword_condition_with_the_message_text() {
    let cal = calendar();
    let docs = vec![
        wf(
            "first",
            json!({"trigger": {"type": "message_received"},
            "conditions": {"type": "text", "op": "contains", "values": ["Ordine", "order"]}}),
        ),
        wf(
            "later",
            json!({"trigger": {"type": "message_received"},
            "conditions": {"all": [{"type": "tags", "tags": ["vip"]},
                                   {"type": "text", "op": "equals", "values": ["menu"]}]}}),
        ),
    ];
    let set = WorkflowSet::new(docs);
    let text = "buongiorno";
    let (started, eval) = run(&set, text, false, &cal, MONDAY_NOON);
    assert!(started.is_empty());
    let named = expand_skipped(&set.skipped_mask(&eval.skipped), &set.members());
    assert_eq!(named.len(), 2);

    let first = &named[0];
    assert_eq!((first.workflow_id.as_str(), first.version), ("first", 1));
    assert!(first.is_first_condition());
    let tree = set.workflows[0].document.conditions.as_ref().unwrap();
    let (checks, failed) = first.explain(tree, text);
    assert_eq!(
        checks,
        vec![Check {
            path: "conditions".into(),
            held: false,
            actual: json!(text),
            condition: Some("text contains any of [\"Ordine\", \"order\"] (ignoring case)".into()),
        }]
    );
    assert_eq!(
        failed.as_deref(),
        Some("conditions = text contains any of [\"Ordine\", \"order\"] (ignoring case) (\"buongiorno\")")
    );

    let later = &named[1];
    assert_eq!(later.path, "conditions.all[1]");
    assert!(!later.is_first_condition());
    let tree = set.workflows[1].document.conditions.as_ref().unwrap();
    let (checks, _) = later.explain(tree, text);
    assert_eq!(checks[0].actual, json!(text));
    assert_eq!(
        checks[0].condition.as_deref(),
        Some("text equals any of [\"menu\"] (ignoring case)")
    );
}
