//! `count_audience` and `audience_sample`: every audience rule, the excluded tag, skips counted
//! by their first reason, and the sample (the first contact by id that would be messaged).

use crate::{Log, Raw};
use serde_json::{json, Value};
use waflow_store::{Audience, AudienceCount, AudienceQuery, Outreach};

fn field(name: &str, equals: Value) -> Audience {
    Audience::Field {
        name: name.into(),
        equals,
    }
}

fn count(matched: i64, blocked: i64, excluded: i64, opted_out: i64) -> AudienceCount {
    AudienceCount {
        matched,
        blocked,
        excluded,
        opted_out,
    }
}

/// (workspace, audience, excluded tag, expected count, expected sample)
type Case = (
    &'static str,
    Audience,
    Option<&'static str>,
    AudienceCount,
    Option<&'static str>,
);

pub async fn story(s: &dyn Outreach, raw: &dyn Raw, log: &mut Log) {
    let n = raw.name();
    let cases: Vec<Case> = vec![
        (
            "ws1",
            Audience::List("spring".into()),
            None,
            count(7, 2, 1, 1),
            Some("ct_a"),
        ),
        (
            "ws1",
            Audience::List("summer".into()),
            None,
            count(1, 1, 0, 0),
            None,
        ),
        (
            "ws1",
            Audience::List("nope".into()),
            None,
            count(0, 0, 0, 0),
            None,
        ),
        (
            "ws1",
            Audience::Tag("news".into()),
            Some("staff"),
            count(6, 1, 0, 1),
            Some("ct_a"),
        ),
        (
            "ws1",
            Audience::Tag("news".into()),
            Some("vip"),
            count(6, 1, 1, 1),
            Some("ct_e"),
        ),
        (
            "ws1",
            Audience::Tag("vip".into()),
            None,
            count(1, 0, 0, 0),
            Some("ct_a"),
        ),
        (
            "ws1",
            field("plan", json!("gold")),
            None,
            count(3, 0, 1, 1),
            Some("ct_a"),
        ),
        (
            "ws1",
            field("plan", json!("GOLD")),
            None,
            count(0, 0, 0, 0),
            None,
        ),
        // 30 matches 30 and 30.0, not the text "30".
        (
            "ws1",
            field("age", json!(30)),
            None,
            count(2, 1, 0, 0),
            Some("ct_a"),
        ),
        (
            "ws1",
            field("age", json!(30.0)),
            None,
            count(2, 1, 0, 0),
            Some("ct_a"),
        ),
        (
            "ws1",
            field("age", json!("30")),
            None,
            count(1, 0, 1, 0),
            None,
        ),
        (
            "ws1",
            field("score", json!(1.5)),
            None,
            count(1, 0, 0, 0),
            Some("ct_a"),
        ),
        // true is 1, as SQLite's json_extract has it: `true` and `1` match.
        (
            "ws1",
            field("member", json!(true)),
            None,
            count(2, 0, 1, 0),
            Some("ct_a"),
        ),
        (
            "ws1",
            field("member", json!(false)),
            None,
            count(1, 1, 0, 0),
            None,
        ),
        (
            "ws1",
            field("member", Value::Null),
            None,
            count(0, 0, 0, 0),
            None,
        ),
        (
            "ws1",
            field("nope", json!("x")),
            None,
            count(0, 0, 0, 0),
            None,
        ),
        ("ws1", Audience::All, None, count(8, 2, 1, 1), Some("ct_a")),
        ("ws1", Audience::All, Some("news"), count(1, 1, 0, 0), None),
        (
            "ws2",
            Audience::Tag("news".into()),
            None,
            count(1, 0, 0, 0),
            Some("ct_z"),
        ),
        ("ws9", Audience::All, None, count(0, 0, 0, 0), None),
    ];
    for (ws, audience, exclude, expected, sample) in cases {
        let label = format!("{ws} {audience:?} without {exclude:?}");
        let query = AudienceQuery {
            audience,
            exclude_tag: exclude.map(str::to_string),
        };
        let counted = s.count_audience(ws, &query).await.unwrap();
        assert_eq!(counted, expected, "{n}: count of {label}");
        log.note(&format!("count_audience {label}"), counted);
        let first = s.audience_sample(ws, &query).await.unwrap();
        assert_eq!(
            first.as_ref().map(|c| c.id.as_str()),
            sample,
            "{n}: sample of {label}"
        );
        log.note(&format!("audience_sample {label}"), first);
    }
    // The sample is the whole contact, read as the contact mapper reads it.
    let query = AudienceQuery {
        audience: Audience::Tag("vip".into()),
        exclude_tag: None,
    };
    let ana = s.audience_sample("ws1", &query).await.unwrap().unwrap();
    assert_eq!(
        (
            ana.phone.as_str(),
            ana.name.as_str(),
            ana.tags.clone(),
            ana.lists.clone()
        ),
        (
            "+15550001",
            "Ana",
            vec!["vip".to_string(), "news".into()],
            vec!["spring".to_string()]
        ),
        "{n}"
    );
    assert_eq!(ana.fields.get("score"), Some(&json!(1.5)), "{n}");
    assert!(!ana.blocked && !ana.opted_out, "{n}");
}
