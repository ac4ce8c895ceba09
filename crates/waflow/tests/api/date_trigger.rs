//! The `date` trigger with an injected clock: a birthday at 09:00 Europe/Rome fires once a year
//! on the right day, on both sides of the 2027 daylight-saving change; 29 February falls on the
//! 28th; an offset fires days before a date.

use crate::harness::*;
use serde_json::json;

async fn birthdays_sent(app: &TestApp) -> Vec<String> {
    app.outbox()
        .await
        .iter()
        .map(|m| m["text"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_birthday_at_nine_in_rome_fires_once_a_year_across_dst() {
    let (app, clock) = TestApp::spawn_at("2027-02-28T07:00:00Z").await;
    app.put("/api/v1/workspace", json!({"time_zone": "Europe/Rome"}))
        .await;
    app.create_workflow(json!({"name": "Birthday",
        "trigger": {"type": "date", "field": "compleanno", "at": "09:00", "yearly": true},
        "steps": [{"id": "wish", "type": "send_text", "text": "Buon compleanno {{ contact.first_name }}!"}]}))
        .await;
    for (phone, name, day) in [
        ("+393331240001", "Anna", "1990-03-28"), // the day the clocks go forward (CEST)
        ("+393331240002", "Bruno", "1985-03-27"), // the day before (CET)
        ("+393331240003", "Carla", "2000-02-29"), // a leap day
        ("+393331240004", "Dario", "1970-07-01"), // not this time of year
    ] {
        let r = app
            .post(
                "/api/v1/contacts",
                json!({"phone": phone, "name": name, "fields": {"compleanno": day}}),
            )
            .await;
        assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);
    }
    let engine = &app.running.engine;
    let at = |t: &str| clock.set(utc(t));

    at("2027-02-28T07:59:00Z"); // 08:59 in Rome (CET)
    assert_eq!(engine.run_date_triggers().await.unwrap(), 0);
    at("2027-02-28T08:00:00Z"); // 09:00
    assert_eq!(
        engine.run_date_triggers().await.unwrap(),
        1,
        "29 February falls on the 28th"
    );

    at("2027-03-27T07:59:00Z"); // 08:59 CET
    assert_eq!(engine.run_date_triggers().await.unwrap(), 0);
    at("2027-03-27T08:00:00Z"); // 09:00 CET
    assert_eq!(
        engine.run_date_triggers().await.unwrap(),
        1,
        "Bruno, the day before the change"
    );

    at("2027-03-28T06:59:00Z"); // 08:59 CEST
    assert_eq!(
        engine.run_date_triggers().await.unwrap(),
        0,
        "not before 09:00 local"
    );
    at("2027-03-28T07:00:00Z"); // 09:00 CEST
    assert_eq!(
        engine.run_date_triggers().await.unwrap(),
        1,
        "Anna, at 09:00 summer time"
    );
    at("2027-03-28T15:00:00Z");
    assert_eq!(
        engine.run_date_triggers().await.unwrap(),
        0,
        "once per occurrence"
    );
    at("2027-03-29T07:00:00Z");
    assert_eq!(
        engine.run_date_triggers().await.unwrap(),
        0,
        "not the day after"
    );

    at("2028-03-28T07:00:00Z"); // a year later, 09:00 CEST
    assert_eq!(
        engine.run_date_triggers().await.unwrap(),
        1,
        "again next year"
    );

    assert!(eventually(5, || async { birthdays_sent(&app).await.len() == 4 }).await);
    assert_eq!(
        birthdays_sent(&app).await,
        [
            "Buon compleanno Carla!",
            "Buon compleanno Bruno!",
            "Buon compleanno Anna!",
            "Buon compleanno Anna!"
        ]
    );
    let logs = app.logs("outcome=started").await;
    assert!(
        logs.iter().any(|l| l["summary"]
            .as_str()
            .unwrap()
            .contains("compleanno 1990-03-28 matched the date of 2028-03-28")),
        "{logs:?}"
    );
}

#[tokio::test]
async fn an_offset_fires_days_before_a_date_and_bad_date_triggers_are_refused() {
    let (app, clock) = TestApp::spawn_at("2027-05-10T06:00:00Z").await;
    app.create_workflow(json!({"name": "Renewal",
        "trigger": {"type": "date", "field": "scadenza", "offset_days": -3, "at": "10:30"},
        "steps": [{"id": "remind", "type": "send_text", "text": "Il tuo abbonamento scade il {{ contact.scadenza }}"}]}))
        .await;
    app.post(
        "/api/v1/contacts",
        json!({"phone": "+393331240010", "fields": {"scadenza": "2027-05-13"}}),
    )
    .await;
    app.post(
        "/api/v1/contacts",
        json!({"phone": "+393331240011", "fields": {"scadenza": "2027-05-14"}}),
    )
    .await;
    clock.set(utc("2027-05-10T10:30:00Z")); // UTC workspace
    assert_eq!(app.running.engine.run_date_triggers().await.unwrap(), 1);
    assert!(
        eventually(5, || async {
            birthdays_sent(&app).await == ["Il tuo abbonamento scade il 2027-05-13"]
        })
        .await
    );

    for (trigger, field) in [
        (json!({"type": "date", "field": "x y"}), "trigger.field"),
        (
            json!({"type": "date", "field": "x", "at": "25:00"}),
            "trigger.at",
        ),
        (
            json!({"type": "date", "field": "x", "offset_days": 1000}),
            "trigger.offset_days",
        ),
        (
            json!({"type": "date", "field": "x", "every": "day"}),
            "trigger.every",
        ),
    ] {
        let r = app
            .post(
                "/api/v1/workflows",
                json!({"name": "Bad", "trigger": trigger, "steps": [{"type": "end"}]}),
            )
            .await;
        assert_eq!(
            r.status,
            reqwest::StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            r.body
        );
        assert_eq!(r.body["error"]["field"], field, "{}", r.body);
    }
}

#[tokio::test]
async fn conversation_idle_nudges_once_after_our_last_message() {
    let (app, clock) = TestApp::spawn_at("2027-05-10T09:00:00Z").await;
    app.create_workflow(reply_workflow(
        "Hello",
        json!({"type": "exact_phrase", "phrase": "ciao"}),
        None,
        "Come posso aiutarti?",
    ))
    .await;
    app.create_workflow(
        json!({"name": "Nudge", "trigger": {"type": "conversation_idle", "minutes": 30},
        "steps": [{"id": "nudge", "type": "send_text", "text": "Ci sei ancora?"}]}),
    )
    .await;
    app.inject("+393331250001", "ciao").await;
    app.inject("+393331250002", "ciao").await;
    let engine = &app.running.engine;
    clock.set(utc("2027-05-10T09:29:00Z"));
    assert_eq!(engine.run_idle_triggers().await.unwrap(), 0, "not yet");
    // The second contact answers: their conversation is not idle.
    clock.set(utc("2027-05-10T09:10:00Z"));
    app.inject("+393331250002", "grazie").await;
    clock.set(utc("2027-05-10T09:30:00Z"));
    assert_eq!(
        engine.run_idle_triggers().await.unwrap(),
        1,
        "the first contact is nudged"
    );
    assert_eq!(
        engine.run_idle_triggers().await.unwrap(),
        0,
        "once per message"
    );
    clock.set(utc("2027-05-10T11:00:00Z"));
    assert_eq!(
        engine.run_idle_triggers().await.unwrap(),
        0,
        "our own nudge does not nudge again"
    );
    assert!(
        eventually(5, || async {
            birthdays_sent(&app)
                .await
                .iter()
                .filter(|t| *t == "Ci sei ancora?")
                .count()
                == 1
        })
        .await
    );
    let r = app
        .post("/api/v1/workflows", json!({"name": "Bad", "trigger": {"type": "conversation_idle", "minutes": 0}, "steps": [{"type": "end"}]}))
        .await;
    assert_eq!(r.body["error"]["field"], "trigger.minutes", "{}", r.body);
}

#[tokio::test]
async fn log_entries_older_than_the_retention_are_deleted() {
    let (app, clock) = TestApp::spawn_at("2027-01-01T10:00:00Z").await;
    app.create_workflow(reply_workflow(
        "Echo",
        json!({"type": "message_received"}),
        None,
        "ok",
    ))
    .await;
    app.inject("+393331280001", "vecchio").await;
    clock.set(utc("2027-03-01T10:00:00Z"));
    app.inject("+393331280001", "recente").await;
    let before = app.logs("limit=100").await.len();
    assert_eq!(before, 4, "an evaluation and a run per message");
    clock.set(utc("2027-04-05T10:00:00Z")); // 94 days after the first, 35 after the second
    assert_eq!(app.running.engine.run_retention().await.unwrap(), 2);
    let left = app.logs("limit=100").await;
    assert_eq!(left.len(), 2);
    assert!(left
        .iter()
        .all(|l| l["created_at"].as_str().unwrap().starts_with("2027-03-01")));
}
