use super::*;
use crate::calendar::Calendar;

fn eval(
    cond: Value,
    text: &str,
    contact: &ContactView,
    calendar: &Calendar,
    now: &str,
) -> (bool, Vec<Check>) {
    let c = Condition::parse(&cond, &Path::root("conditions")).unwrap();
    let msg = InboundView {
        message_type: MessageType::Text,
        text: text.into(),
    };
    let now = DateTime::parse_from_rfc3339(now)
        .unwrap()
        .with_timezone(&Utc);
    let stats = stats();
    let ctx = EvalContext {
        message: Some(&msg),
        contact,
        calendar,
        now,
        vars: None,
        number_id: Some("num_support"),
        conversation: Some(&stats),
    };
    let mut trace = Vec::new();
    let held = c.evaluate(&ctx, &Path::root("conditions"), &mut trace);
    (held, trace)
}

const NOON: &str = "2026-06-01T10:00:00Z";

/// Five messages; we wrote at 09:30 (30 minutes before NOON), the contact at 07:00.
fn stats() -> ConversationStats {
    ConversationStats {
        messages: 5,
        last_outbound_at: DateTime::from_timestamp(1_780_306_200, 0),
        previous_inbound_at: DateTime::from_timestamp(1_780_297_200, 0),
    }
}

#[test]
fn phone_number_count_length_time_and_list_leaves() {
    let c = ContactView {
        phone: "+393331234567".into(),
        lists: vec!["Newsletter".into()],
        ..Default::default()
    };
    let cal = Calendar::default();
    let t = |cond: Value, text: &str| eval(cond, text, &c, &cal, NOON);
    assert!(
        t(
            json!({"type":"phone","op":"starts_with","values":["+39"]}),
            ""
        )
        .0
    );
    assert!(
        !t(
            json!({"type":"phone","op":"starts_with","values":["+33"]}),
            ""
        )
        .0
    );
    assert!(
        t(
            json!({"type":"phone","op":"is","values":["+39 333 123 4567"]}),
            ""
        )
        .0
    );
    assert!(
        t(
            json!({"type":"number","numbers":["num_sales","num_support"]}),
            ""
        )
        .0
    );
    assert!(!t(json!({"type":"number","numbers":["num_sales"]}), "").0);
    let (held, trace) = t(
        json!({"type":"message_count","op":"at_least","value":5}),
        "",
    );
    assert!(held);
    assert_eq!(trace[0].actual, json!(5));
    assert!(
        !t(
            json!({"type":"message_count","op":"greater_than","value":5}),
            ""
        )
        .0
    );
    assert!(
        !t(
            json!({"type":"message_length","op":"less_than","value":4}),
            "ciao"
        )
        .0
    );
    assert!(
        t(
            json!({"type":"message_length","op":"equals","value":4}),
            "ciao"
        )
        .0
    );
    let (held, trace) = t(
        json!({"type":"time_since","since":"our_last_message","op":"less_than","minutes":60}),
        "",
    );
    assert!(held);
    assert_eq!(trace[0].actual, json!(30.0));
    assert!(
        t(json!({"type":"time_since","since":"contact_last_message","op":"greater_than","minutes":120}), "").0
    );
    assert!(t(json!({"type":"in_list","lists":["newsletter"]}), "").0);
    assert!(t(json!({"type":"in_list","mode":"none","lists":["vip"]}), "").0);
    assert!(
        !t(
            json!({"type":"in_list","mode":"all","lists":["newsletter","vip"]}),
            ""
        )
        .0
    );
    for bad in [
        json!({"type":"phone","op":"like","values":["+39"]}),
        json!({"type":"phone","op":"is","values":["abc"]}),
        json!({"type":"message_count","op":"more","value":1}),
        json!({"type":"message_count","op":"equals","value":-1}),
        json!({"type":"time_since","since":"yesterday","op":"equals","minutes":1}),
        json!({"type":"in_list","mode":"some","lists":["a"]}),
    ] {
        assert!(
            Condition::parse(&bad, &Path::root("conditions")).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn text_operators_with_any_of_and_case() {
    let c = ContactView::default();
    let cal = Calendar::default();
    let t = |cond: Value, text: &str| eval(cond, text, &c, &cal, NOON).0;
    assert!(t(
        json!({"type":"text","op":"contains","values":["spedizione","shipping"]}),
        "Quanto costa la SPEDIZIONE?"
    ));
    assert!(!t(
        json!({"type":"text","op":"contains","values":["Spedizione"],"case_sensitive":true}),
        "spedizione"
    ));
    assert!(t(
        json!({"type":"text","op":"starts_with","values":["ciao"]}),
        "  Ciao a tutti"
    ));
    assert!(t(
        json!({"type":"text","op":"ends_with","values":["?"]}),
        "davvero?"
    ));
    assert!(t(
        json!({"type":"text","op":"equals","values":["info","prezzi"]}),
        " PREZZI "
    ));
    assert!(!t(
        json!({"type":"text","op":"equals","values":["info"]}),
        "info please"
    ));
    assert!(t(
        json!({"type":"text","op":"regex","values":["^ordine\\s+#?\\d+$"]}),
        "Ordine #123"
    ));
    assert!(t(
        json!({"type":"text","op":"contains","values":["x"],"negate":true}),
        "nothing"
    ));
}

#[test]
fn nested_groups_and_trace_names_the_first_failure() {
    let c = ContactView {
        tags: vec!["vip".into()],
        ..Default::default()
    };
    let cal = Calendar::default();
    let cond = json!({"all": [
        {"type":"text","op":"contains","values":["prezzo"]},
        {"any": [{"type":"tags","tags":["wholesale"]}, {"not": {"type":"tags","tags":["vip"]}}]}
    ]});
    let (held, mut trace) = eval(cond, "il prezzo?", &c, &cal, NOON);
    assert!(!held);
    let last = trace.last().unwrap();
    assert_eq!(last.path, "conditions.all[1].any[1].not");
    assert!(!last.held, "the inner tag test held, so the not failed");
    let tree = Condition::parse(
        &json!({"all": [
            {"type":"text","op":"contains","values":["prezzo"]},
            {"any": [{"type":"tags","tags":["wholesale"]}, {"not": {"type":"tags","tags":["vip"]}}]}
        ]}),
        &Path::root("conditions"),
    )
    .unwrap();
    let reason = explain(&mut trace, &tree, "il prezzo?").unwrap();
    assert_eq!(trace[0].actual, json!("il prezzo?"));
    assert_eq!(
        trace[0].condition.as_deref(),
        Some("text contains any of [\"prezzo\"] (ignoring case)")
    );
    assert!(
        reason
            .starts_with("conditions.all[1].any[1].not = not (contact has any of tags [\"vip\"])"),
        "{reason}"
    );
}

#[test]
fn tags_agent_and_type() {
    let c = ContactView {
        tags: vec!["VIP".into(), "b2b".into()],
        assigned_agent_id: Some("ag_1".into()),
        ..Default::default()
    };
    let cal = Calendar::default();
    let t = |cond: Value| eval(cond, "", &c, &cal, NOON).0;
    assert!(t(json!({"type":"tags","mode":"all","tags":["vip","b2b"]})));
    assert!(!t(json!({"type":"tags","mode":"none","tags":["vip"]})));
    assert!(t(json!({"type":"assigned_agent","agent":"any"})));
    assert!(t(json!({"type":"assigned_agent","agent":"ag_1"})));
    assert!(!t(json!({"type":"assigned_agent","agent":"none"})));
    assert!(t(json!({"type":"message_type","types":["text","image"]})));
    assert!(!t(json!({"type":"message_type","types":["audio"]})));
}

#[test]
fn schedule_in_rome_across_the_spring_dst_change() {
    let c = ContactView::default();
    let cal = Calendar {
        time_zone: chrono_tz::Europe::Rome,
        ..Default::default()
    };
    let cond = json!({"type":"schedule","hours":{"sat":["09:00-18:00"],"sun":["09:00-18:00"],"mon":["09:00-18:00"]}});
    // Saturday 28 March 2026 is CET (UTC+1): 08:30 UTC = 09:30 local, inside; 07:30 UTC = 08:30, outside.
    assert!(eval(cond.clone(), "", &c, &cal, "2026-03-28T08:30:00Z").0);
    assert!(!eval(cond.clone(), "", &c, &cal, "2026-03-28T07:30:00Z").0);
    // Sunday 29 March 2026 is CEST (UTC+2) from 02:00: 07:30 UTC = 09:30 local, inside now.
    let (held, trace) = eval(cond.clone(), "", &c, &cal, "2026-03-29T07:30:00Z");
    assert!(held);
    assert_eq!(trace[0].actual, json!("Sun 2026-03-29 09:30"));
    // And 16:30 UTC = 18:30 local on Sunday is outside, though it would be inside at UTC+1.
    assert!(!eval(cond, "", &c, &cal, "2026-03-29T16:30:00Z").0);
}

#[test]
fn keyword_prefilter_only_for_guaranteed_keywords() {
    let parse = |v: Value| Condition::parse(&v, &Path::root("conditions")).unwrap();
    let root = parse(json!({"type":"text","op":"contains","values":["Ciao"]}));
    assert_eq!(
        root.required_keywords(),
        Some(("conditions".into(), vec!["ciao".to_string()]))
    );
    let all = parse(
        json!({"all":[{"type":"tags","tags":["x"]},{"type":"text","op":"equals","values":["A"]}]}),
    );
    assert_eq!(all.required_keywords().unwrap().0, "conditions.all[1]");
    assert!(
        parse(json!({"any":[{"type":"text","op":"contains","values":["a"]}]}))
            .required_keywords()
            .is_none()
    );
    assert!(
        parse(json!({"type":"text","op":"contains","values":["a"],"negate":true}))
            .required_keywords()
            .is_none()
    );
    assert!(parse(json!({"type":"text","op":"regex","values":["a"]}))
        .required_keywords()
        .is_none());
}
