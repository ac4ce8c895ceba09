//! The Cloud API Graph client against [`FakeGraph`], a local server speaking the Graph API:
//! the exact request bodies of every content kind, Meta's limits checked before sending, the
//! classification of Meta's errors, media lookup/download/upload, template paging, and the
//! access token's confinement to the `Authorization` header.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::time::Duration;
use waflow_channels::cloud_api::content::{
    Button, ButtonParam, ButtonSubType, Content, MediaKind, MediaSource, Param, Row, Section,
};
use waflow_channels::cloud_api::graph::{Credentials, ErrorKind, GraphClient, GraphError};
use waflow_channels::SendError;
use waflow_testkit::graph::graph_error;
use waflow_testkit::FakeGraph;

const TOKEN: &str = "EAAG-secret-token-do-not-leak";
const PHONE_NUMBER_ID: &str = "106540352242922";
const TO: &str = "+39 333 123 4567";

async fn setup() -> (FakeGraph, GraphClient, Credentials) {
    let fake = FakeGraph::start().await.expect("fake graph starts");
    let client = GraphClient::new(fake.base_url(), "v21.0").expect("client");
    let creds = Credentials {
        phone_number_id: PHONE_NUMBER_ID.into(),
        access_token: TOKEN.into(),
    };
    (fake, client, creds)
}

/// Sends `content` and returns the body the fake recorded.
async fn sent_body(content: Content) -> Value {
    let (fake, client, creds) = setup().await;
    let wamid = client.send(&creds, TO, &content).await.expect("sent");
    assert!(wamid.starts_with("wamid."), "{wamid}");
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(
        requests[0].path,
        format!("/v21.0/{PHONE_NUMBER_ID}/messages")
    );
    assert_eq!(
        requests[0].authorization.as_deref(),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    let body = requests[0].body.clone().expect("json body");
    assert_eq!(fake.sent_messages(), vec![body.clone()]);
    body
}

fn envelope(kind: &str, object: Value) -> Value {
    let mut message = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": TO,
        "type": kind,
    });
    message[kind] = object;
    message
}

fn button(id: &str, title: &str) -> Button {
    Button {
        id: id.into(),
        title: title.into(),
    }
}

fn row(id: &str, title: &str, description: Option<&str>) -> Row {
    Row {
        id: id.into(),
        title: title.into(),
        description: description.map(str::to_string),
    }
}

fn text_param(text: &str) -> Param {
    Param::Text { text: text.into() }
}

// ---------------------------------------------------------------------------------------------
// Every content kind, as Meta expects it.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn text_is_sent_as_graph_text() {
    let body = sent_body(Content::Text {
        body: "Ciao! https://example.com".into(),
        preview_url: true,
    })
    .await;
    assert_eq!(
        body,
        envelope(
            "text",
            json!({ "body": "Ciao! https://example.com", "preview_url": true })
        )
    );
}

#[tokio::test]
async fn buttons_are_sent_as_interactive_reply_buttons() {
    let body = sent_body(Content::Buttons {
        body: "Confermi l'appuntamento?".into(),
        buttons: vec![button("yes", "Sì"), button("no", "No")],
        header: Some("Appuntamento".into()),
        footer: Some("Studio Rossi".into()),
    })
    .await;
    assert_eq!(
        body,
        envelope(
            "interactive",
            json!({
                "type": "button",
                "header": { "type": "text", "text": "Appuntamento" },
                "body": { "text": "Confermi l'appuntamento?" },
                "footer": { "text": "Studio Rossi" },
                "action": { "buttons": [
                    { "type": "reply", "reply": { "id": "yes", "title": "Sì" } },
                    { "type": "reply", "reply": { "id": "no", "title": "No" } },
                ]},
            })
        )
    );
}

#[tokio::test]
async fn list_is_sent_as_interactive_list() {
    let body = sent_body(Content::List {
        body: "Scegli un orario".into(),
        button_label: "Orari".into(),
        sections: vec![
            Section {
                title: "Mattina".into(),
                rows: vec![
                    row("m9", "09:00", Some("Dott. Rossi")),
                    row("m10", "10:00", None),
                ],
            },
            Section {
                title: "Pomeriggio".into(),
                rows: vec![row("p15", "15:00", None)],
            },
        ],
        header: None,
        footer: None,
    })
    .await;
    assert_eq!(
        body,
        envelope(
            "interactive",
            json!({
                "type": "list",
                "body": { "text": "Scegli un orario" },
                "action": {
                    "button": "Orari",
                    "sections": [
                        { "title": "Mattina", "rows": [
                            { "id": "m9", "title": "09:00", "description": "Dott. Rossi" },
                            { "id": "m10", "title": "10:00" },
                        ]},
                        { "title": "Pomeriggio", "rows": [ { "id": "p15", "title": "15:00" } ] },
                    ],
                },
            })
        )
    );
}

#[tokio::test]
async fn media_is_sent_by_link_or_id() {
    let body = sent_body(Content::Media {
        kind: MediaKind::Image,
        source: MediaSource::Url("https://example.com/menu.jpg".into()),
        caption: Some("Il menù".into()),
        filename: None,
    })
    .await;
    assert_eq!(
        body,
        envelope(
            "image",
            json!({ "link": "https://example.com/menu.jpg", "caption": "Il menù" })
        )
    );

    let body = sent_body(Content::Media {
        kind: MediaKind::Document,
        source: MediaSource::Id("1234567890".into()),
        caption: None,
        filename: Some("fattura.pdf".into()),
    })
    .await;
    assert_eq!(
        body,
        envelope(
            "document",
            json!({ "id": "1234567890", "filename": "fattura.pdf" })
        )
    );

    let body = sent_body(Content::Media {
        kind: MediaKind::Sticker,
        source: MediaSource::Id("42".into()),
        caption: None,
        filename: None,
    })
    .await;
    assert_eq!(body, envelope("sticker", json!({ "id": "42" })));
}

#[tokio::test]
async fn template_is_sent_with_components() {
    let body = sent_body(Content::Template {
        name: "appointment_reminder".into(),
        language: "it".into(),
        header: vec![Param::Media {
            kind: MediaKind::Image,
            link: "https://example.com/logo.png".into(),
        }],
        body: vec![text_param("Mario"), text_param("martedì alle 10:00")],
        buttons: vec![
            ButtonParam {
                index: 0,
                sub_type: ButtonSubType::QuickReply,
                value: "confirm-42".into(),
            },
            ButtonParam {
                index: 1,
                sub_type: ButtonSubType::Url,
                value: "booking/42".into(),
            },
        ],
    })
    .await;
    assert_eq!(
        body,
        envelope(
            "template",
            json!({
                "name": "appointment_reminder",
                "language": { "code": "it" },
                "components": [
                    { "type": "header", "parameters": [
                        { "type": "image", "image": { "link": "https://example.com/logo.png" } },
                    ]},
                    { "type": "body", "parameters": [
                        { "type": "text", "text": "Mario" },
                        { "type": "text", "text": "martedì alle 10:00" },
                    ]},
                    { "type": "button", "sub_type": "quick_reply", "index": "0",
                      "parameters": [ { "type": "payload", "payload": "confirm-42" } ] },
                    { "type": "button", "sub_type": "url", "index": "1",
                      "parameters": [ { "type": "text", "text": "booking/42" } ] },
                ],
            })
        )
    );

    let body = sent_body(Content::Template {
        name: "hello_world".into(),
        language: "en_US".into(),
        header: vec![text_param("Hi")],
        body: vec![],
        buttons: vec![],
    })
    .await;
    assert_eq!(
        body,
        envelope(
            "template",
            json!({
                "name": "hello_world",
                "language": { "code": "en_US" },
                "components": [
                    { "type": "header", "parameters": [ { "type": "text", "text": "Hi" } ] },
                ],
            })
        )
    );
}

#[tokio::test]
async fn reaction_is_sent_and_an_empty_emoji_removes_it() {
    let body = sent_body(Content::Reaction {
        message_id: "wamid.IN1".into(),
        emoji: "👍".into(),
    })
    .await;
    assert_eq!(
        body,
        envelope(
            "reaction",
            json!({ "message_id": "wamid.IN1", "emoji": "👍" })
        )
    );

    let body = sent_body(Content::Reaction {
        message_id: "wamid.IN1".into(),
        emoji: String::new(),
    })
    .await;
    assert_eq!(
        body,
        envelope(
            "reaction",
            json!({ "message_id": "wamid.IN1", "emoji": "" })
        )
    );
}

#[tokio::test]
async fn mark_read_posts_a_read_status() {
    let (fake, client, creds) = setup().await;
    client
        .mark_read(&creds, "wamid.IN7")
        .await
        .expect("marked read");
    let via_send = client
        .send(
            &creds,
            TO,
            &Content::MarkRead {
                message_id: "wamid.IN8".into(),
            },
        )
        .await
        .expect("marked read through send");
    assert_eq!(via_send, "wamid.IN8");

    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0].path,
        format!("/v21.0/{PHONE_NUMBER_ID}/messages")
    );
    assert_eq!(
        requests[0].body,
        Some(
            json!({ "messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN7" })
        )
    );
    assert_eq!(
        requests[1].body,
        Some(
            json!({ "messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN8" })
        )
    );
    assert!(
        fake.sent_messages().is_empty(),
        "a receipt is not a message"
    );
}

#[tokio::test]
async fn every_send_gets_its_own_wamid() {
    let (_fake, client, creds) = setup().await;
    let content = Content::Text {
        body: "uno".into(),
        preview_url: false,
    };
    let first = client.send(&creds, TO, &content).await.expect("first");
    let second = client.send(&creds, TO, &content).await.expect("second");
    assert_ne!(first, second);
}

#[test]
fn content_is_stored_as_tagged_json() {
    let content = Content::Buttons {
        body: "Ok?".into(),
        buttons: vec![button("y", "Sì")],
        header: None,
        footer: None,
    };
    let stored = serde_json::to_value(&content).expect("serializes");
    assert_eq!(
        stored,
        json!({ "type": "buttons", "body": "Ok?", "buttons": [ { "id": "y", "title": "Sì" } ] })
    );
    let back: Content = serde_json::from_value(stored).expect("deserializes");
    assert_eq!(back, content);

    let media: Content = serde_json::from_value(json!({
        "type": "media", "kind": "image", "source": { "url": "https://example.com/a.png" }
    }))
    .expect("media from json");
    assert_eq!(
        media,
        Content::Media {
            kind: MediaKind::Image,
            source: MediaSource::Url("https://example.com/a.png".into()),
            caption: None,
            filename: None,
        }
    );
    let read: Content =
        serde_json::from_value(json!({ "type": "mark_read", "message_id": "wamid.X" }))
            .expect("mark_read from json");
    assert_eq!(
        read,
        Content::MarkRead {
            message_id: "wamid.X".into()
        }
    );
    let text: Content =
        serde_json::from_value(json!({ "type": "text", "body": "hi" })).expect("text");
    assert_eq!(
        text,
        Content::Text {
            body: "hi".into(),
            preview_url: false
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Meta's limits, checked before sending.
// ---------------------------------------------------------------------------------------------

fn buttons_with(buttons: Vec<Button>) -> Content {
    Content::Buttons {
        body: "Scegli".into(),
        buttons,
        header: None,
        footer: None,
    }
}

fn list_with(sections: Vec<Section>) -> Content {
    Content::List {
        body: "Scegli".into(),
        button_label: "Apri".into(),
        sections,
        header: None,
        footer: None,
    }
}

fn section(title: &str, rows: Vec<Row>) -> Section {
    Section {
        title: title.into(),
        rows,
    }
}

fn rows(n: usize) -> Vec<Row> {
    (0..n)
        .map(|i| row(&format!("r{i}"), &format!("Riga {i}"), None))
        .collect()
}

fn template(name: &str) -> Content {
    Content::Template {
        name: name.into(),
        language: "it".into(),
        header: vec![],
        body: vec![],
        buttons: vec![],
    }
}

fn media_url(url: &str) -> Content {
    Content::Media {
        kind: MediaKind::Image,
        source: MediaSource::Url(url.into()),
        caption: None,
        filename: None,
    }
}

#[test]
fn every_limit_names_its_field() {
    let long = |n: usize| "x".repeat(n);
    let cases: Vec<(&str, Content, &str)> = vec![
        (
            "empty text",
            Content::Text {
                body: String::new(),
                preview_url: false,
            },
            "body",
        ),
        (
            "text over 4096",
            Content::Text {
                body: long(4097),
                preview_url: false,
            },
            "body",
        ),
        ("no buttons", buttons_with(vec![]), "buttons"),
        (
            "four buttons",
            buttons_with(vec![
                button("a", "A"),
                button("b", "B"),
                button("c", "C"),
                button("d", "D"),
            ]),
            "buttons[3]",
        ),
        (
            "button title over 20",
            buttons_with(vec![
                button("a", "A"),
                button("b", "Una scelta molto lunga"),
            ]),
            "buttons[1].title",
        ),
        (
            "empty button title",
            buttons_with(vec![button("a", "")]),
            "buttons[0].title",
        ),
        (
            "duplicate button id",
            buttons_with(vec![button("a", "A"), button("b", "B"), button("a", "C")]),
            "buttons[2].id",
        ),
        (
            "button id over 256",
            buttons_with(vec![button(&long(257), "A")]),
            "buttons[0].id",
        ),
        (
            "interactive body over 1024",
            Content::Buttons {
                body: long(1025),
                buttons: vec![button("a", "A")],
                header: None,
                footer: None,
            },
            "body",
        ),
        (
            "header over 60",
            Content::Buttons {
                body: "ok".into(),
                buttons: vec![button("a", "A")],
                header: Some(long(61)),
                footer: None,
            },
            "header",
        ),
        (
            "footer over 60",
            Content::List {
                body: "ok".into(),
                button_label: "Apri".into(),
                sections: vec![section("", rows(1))],
                header: None,
                footer: Some(long(61)),
            },
            "footer",
        ),
        (
            "eleven rows across sections",
            list_with(vec![section("Uno", rows(6)), section("Due", rows(5))]),
            "sections[1].rows[4]",
        ),
        ("no sections", list_with(vec![]), "sections"),
        (
            "section without rows",
            list_with(vec![section("Uno", rows(1)), section("Due", vec![])]),
            "sections[1].rows",
        ),
        (
            "row title over 24",
            list_with(vec![section(
                "",
                vec![
                    row_plain("a", "A"),
                    row_plain("b", "B"),
                    row_plain("c", &long(25)),
                ],
            )]),
            "sections[0].rows[2].title",
        ),
        (
            "row description over 72",
            list_with(vec![section(
                "",
                vec![Row {
                    id: "a".into(),
                    title: "A".into(),
                    description: Some(long(73)),
                }],
            )]),
            "sections[0].rows[0].description",
        ),
        (
            "section title over 24",
            list_with(vec![section(&long(25), rows(1))]),
            "sections[0].title",
        ),
        (
            "untitled section among several",
            list_with(vec![
                section("Uno", rows(1)),
                section("", vec![row("z", "Z", None)]),
            ]),
            "sections[1].title",
        ),
        (
            "list button label over 20",
            Content::List {
                body: "ok".into(),
                button_label: long(21),
                sections: vec![section("", rows(1))],
                header: None,
                footer: None,
            },
            "button_label",
        ),
        (
            "duplicate row id across sections",
            list_with(vec![
                section("Uno", vec![row("same", "A", None)]),
                section("Due", vec![row("same", "B", None)]),
            ]),
            "sections[1].rows[0].id",
        ),
        (
            "row id over 200",
            list_with(vec![section("", vec![row(&long(201), "A", None)])]),
            "sections[0].rows[0].id",
        ),
        (
            "caption over 1024",
            Content::Media {
                kind: MediaKind::Video,
                source: MediaSource::Id("1".into()),
                caption: Some(long(1025)),
                filename: None,
            },
            "caption",
        ),
        (
            "caption on audio",
            Content::Media {
                kind: MediaKind::Audio,
                source: MediaSource::Id("1".into()),
                caption: Some("no".into()),
                filename: None,
            },
            "caption",
        ),
        (
            "media url not http(s)",
            media_url("ftp://example.com/a.png"),
            "source.url",
        ),
        (
            "media url without host",
            media_url("https://"),
            "source.url",
        ),
        ("empty template name", template(""), "name"),
        (
            "template name with capitals",
            template("Hello-World"),
            "name",
        ),
        (
            "template media in body",
            Content::Template {
                name: "t".into(),
                language: "it".into(),
                header: vec![],
                body: vec![Param::Media {
                    kind: MediaKind::Image,
                    link: "https://example.com/a.png".into(),
                }],
                buttons: vec![],
            },
            "body[0]",
        ),
        (
            "reaction of several emoji",
            Content::Reaction {
                message_id: "wamid.1".into(),
                emoji: "👍👍👍👍👍👍👍👍👍".into(),
            },
            "emoji",
        ),
        (
            "mark read without id",
            Content::MarkRead {
                message_id: String::new(),
            },
            "message_id",
        ),
    ];
    assert!(cases.len() >= 12);
    for (name, content, field) in cases {
        let error = content
            .validate()
            .expect_err(&format!("{name}: should be refused"));
        assert_eq!(error.field, field, "{name}: {error}");
        assert!(
            error.to_string().starts_with(&format!("{field}: ")),
            "{name}: {error}"
        );
    }
}

/// `row` with a `None` description, for the table above.
fn row_plain(id: &str, title: &str) -> Row {
    row(id, title, None)
}

#[test]
fn limit_messages_name_the_value_and_the_limit() {
    let error = buttons_with(vec![
        button("a", "A"),
        button("b", "Una scelta molto lunga"),
    ])
    .validate()
    .expect_err("too long");
    assert_eq!(
        error.to_string(),
        r#"buttons[1].title: "Una scelta molto lunga" is 22 characters; the limit is 20"#
    );

    let error = list_with(vec![section("", vec![row_plain("a", &"y".repeat(30))])])
        .validate()
        .expect_err("row title too long");
    assert_eq!(error.field, "sections[0].rows[0].title");
    assert!(error.message.contains("30 characters"), "{error}");
    assert!(error.message.contains("the limit is 24"), "{error}");

    // Long values are shortened in the message.
    let error = Content::Text {
        body: "z".repeat(5000),
        preview_url: false,
    }
    .validate()
    .expect_err("too long");
    assert!(error.message.len() < 200, "{error}");
    assert!(
        error.message.contains("5000 characters; the limit is 4096"),
        "{error}"
    );
}

#[test]
fn contents_at_the_limits_are_accepted() {
    let at = |n: usize| "é".repeat(n);
    let ok = [
        Content::Text {
            body: at(4096),
            preview_url: false,
        },
        Content::Buttons {
            body: at(1024),
            buttons: vec![
                button("a", &at(20)),
                button("b", "B"),
                button(&at(256), "C"),
            ],
            header: Some(at(60)),
            footer: Some(at(60)),
        },
        list_with(vec![
            section(&at(24), rows(5)),
            section(
                "Due",
                (5..10)
                    .map(|i| row(&format!("r{i}"), &at(24), Some(&at(72))))
                    .collect(),
            ),
        ]),
        Content::Media {
            kind: MediaKind::Document,
            source: MediaSource::Url("HTTPS://example.com/a.pdf".into()),
            caption: Some(at(1024)),
            filename: Some("a.pdf".into()),
        },
        template("order_update_2"),
        Content::Reaction {
            message_id: "wamid.1".into(),
            emoji: "👨‍👩‍👧".into(),
        },
    ];
    for content in ok {
        assert_eq!(content.validate(), Ok(()), "{content:?}");
    }
}

#[tokio::test]
async fn invalid_content_is_refused_before_anything_is_sent() {
    let (fake, client, creds) = setup().await;
    let error = client
        .send(&creds, TO, &buttons_with(vec![]))
        .await
        .expect_err("refused");
    assert_eq!(error.kind, ErrorKind::Permanent);
    assert!(error.to_string().contains("buttons"), "{error}");
    assert!(fake.requests().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Meta's errors, classified.
// ---------------------------------------------------------------------------------------------

fn hello() -> Content {
    Content::Text {
        body: "Ciao".into(),
        preview_url: false,
    }
}

#[tokio::test]
async fn throughput_limit_is_retryable_and_the_retry_succeeds() {
    let (fake, client, creds) = setup().await;
    fake.fail_next(1, 400, graph_error(130429, "(#130429) Rate limit hit"));
    let error = client
        .send(&creds, TO, &hello())
        .await
        .expect_err("rate limited");
    assert_eq!(error.kind, ErrorKind::Retryable);
    assert!(error.is_retryable());
    assert_eq!(error.error.code, 130429);
    assert_eq!(error.http_status, Some(400));
    assert!(matches!(SendError::from(error), SendError::Retryable(_)));

    let wamid = client.send(&creds, TO, &hello()).await.expect("then sent");
    assert!(wamid.starts_with("wamid."));
    assert_eq!(fake.requests().len(), 2);
    assert_eq!(fake.sent_messages().len(), 1);
}

#[tokio::test]
async fn outside_the_24h_window_is_permanent_with_code_and_message() {
    let (fake, client, creds) = setup().await;
    fake.fail_next(
        1,
        400,
        json!({
            "error": {
                "message": "(#131047) Re-engagement message",
                "type": "OAuthException",
                "code": 131047,
                "error_data": {
                    "messaging_product": "whatsapp",
                    "details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number."
                },
                "fbtrace_id": "AbCdEf123"
            }
        }),
    );
    let error = client
        .send(&creds, TO, &hello())
        .await
        .expect_err("refused");
    assert_eq!(error.kind, ErrorKind::Permanent);
    assert_eq!(error.error.code, 131047);
    assert_eq!(error.error.message, "(#131047) Re-engagement message");
    assert_eq!(error.error.title, "OAuthException");
    assert!(error
        .error
        .details
        .as_deref()
        .is_some_and(|d| d.contains("24 hours")));
    assert_eq!(error.fbtrace_id.as_deref(), Some("AbCdEf123"));
    let shown = error.to_string();
    assert!(shown.contains("131047"), "{shown}");
    assert!(shown.contains("Re-engagement message"), "{shown}");
    match SendError::from(error) {
        SendError::Permanent(message) => assert!(message.contains("131047"), "{message}"),
        other => panic!("expected permanent, got {other:?}"),
    }
}

#[tokio::test]
async fn errors_are_classified_by_code_then_status() {
    let (fake, client, creds) = setup().await;
    let cases: Vec<(u16, Value, ErrorKind)> = vec![
        (
            400,
            graph_error(131056, "pair rate limit"),
            ErrorKind::Retryable,
        ),
        (
            500,
            graph_error(131000, "Something went wrong"),
            ErrorKind::Retryable,
        ),
        (
            503,
            graph_error(131016, "Service unavailable"),
            ErrorKind::Retryable,
        ),
        (
            400,
            graph_error(4, "Application request limit reached"),
            ErrorKind::Retryable,
        ),
        (
            400,
            graph_error(80007, "Rate limit issues"),
            ErrorKind::Retryable,
        ),
        (502, graph_error(2, "Temporary"), ErrorKind::Retryable),
        (
            400,
            graph_error(131026, "Message undeliverable"),
            ErrorKind::Permanent,
        ),
        (
            400,
            graph_error(131049, "Ecosystem limit"),
            ErrorKind::Permanent,
        ),
        (
            400,
            graph_error(131051, "Unsupported message type"),
            ErrorKind::Permanent,
        ),
        (
            404,
            graph_error(132001, "Template does not exist"),
            ErrorKind::Permanent,
        ),
        (
            400,
            graph_error(100, "Invalid parameter"),
            ErrorKind::Permanent,
        ),
        (
            401,
            graph_error(190, "Access token has expired"),
            ErrorKind::Permanent,
        ),
        (
            400,
            graph_error(368, "Temporarily blocked for policies violations"),
            ErrorKind::Permanent,
        ),
        (502, json!("bad gateway"), ErrorKind::Retryable),
    ];
    for (status, body, _) in &cases {
        fake.fail_next(1, *status, body.clone());
    }
    for (status, body, kind) in cases {
        let error = client
            .send(&creds, TO, &hello())
            .await
            .expect_err("scripted failure");
        assert_eq!(error.kind, kind, "HTTP {status} {body}: {error}");
        assert_eq!(error.http_status, Some(status));
        if let Some(code) = body.pointer("/error/code").and_then(Value::as_i64) {
            assert_eq!(error.error.code, code);
        }
    }
    assert!(fake.sent_messages().is_empty());
}

#[tokio::test]
async fn a_timeout_is_unknown_not_retryable_blindly() {
    let (fake, _, creds) = setup().await;
    fake.set_delay(Some(Duration::from_millis(500)));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_millis(100))
        .build()
        .expect("client");
    let client = GraphClient::with_http_client(http, fake.base_url(), "v21.0");
    let error = client
        .send(&creds, TO, &hello())
        .await
        .expect_err("timed out");
    // Meta may have sent it: the sender records the message as uncertain, not as retryable.
    assert_eq!(error.kind, ErrorKind::Unknown, "{error}");
    assert!(matches!(
        waflow_channels::SendError::from(error.clone()),
        waflow_channels::SendError::Uncertain(_)
    ));
    assert_eq!(error.http_status, None);
}

#[tokio::test]
async fn a_refused_connection_is_retryable() {
    let (fake, client, creds) = setup().await;
    let base = fake.base_url().to_string();
    drop(fake);
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The client still points at the now closed port.
    assert_eq!(client.base_url(), base);
    let error = client
        .send(&creds, TO, &hello())
        .await
        .expect_err("nobody listening");
    assert_eq!(error.kind, ErrorKind::Retryable, "{error}");
}

// ---------------------------------------------------------------------------------------------
// Media and templates.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn media_lookup_and_download_round_trip() {
    let (fake, client, creds) = setup().await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    fake.add_media("987654321", "image/jpeg", bytes.clone());

    let info = client
        .media_url(&creds, "987654321")
        .await
        .expect("media info");
    assert_eq!(info.mime_type, "image/jpeg");
    assert_eq!(info.file_size, 10_000);
    assert_eq!(info.sha256, hex::encode(Sha256::digest(&bytes)));
    assert!(info.url.starts_with(fake.base_url()), "{}", info.url);

    let downloaded = client.download(&creds, &info.url).await.expect("bytes");
    assert_eq!(downloaded, bytes);

    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].path, "/v21.0/987654321");
    assert_eq!(requests[1].path, "/media-bytes/987654321");
    for request in &requests {
        assert_eq!(
            request.authorization.as_deref(),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }

    let missing = client
        .media_url(&creds, "404")
        .await
        .expect_err("no such media");
    assert_eq!(missing.kind, ErrorKind::Permanent);
    assert_eq!(missing.error.code, 100);
}

#[tokio::test]
async fn upload_returns_a_media_id_that_can_be_fetched() {
    let (fake, client, creds) = setup().await;
    let pdf = b"%PDF-1.4 fake invoice".to_vec();
    let id = client
        .upload_media(&creds, pdf.clone(), "application/pdf", "fattura.pdf")
        .await
        .expect("uploaded");
    assert!(!id.is_empty());
    assert_eq!(fake.media_bytes(&id), Some(pdf.clone()));

    let requests = fake.requests();
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, format!("/v21.0/{PHONE_NUMBER_ID}/media"));
    assert_eq!(
        requests[0].body,
        Some(json!({
            "messaging_product": "whatsapp",
            "type": "application/pdf",
            "file": { "filename": "fattura.pdf", "content_type": "application/pdf", "size": pdf.len() },
        }))
    );

    let info = client.media_url(&creds, &id).await.expect("info");
    assert_eq!(info.mime_type, "application/pdf");
    let back = client.download(&creds, &info.url).await.expect("bytes");
    assert_eq!(back, pdf);

    let refused = client
        .upload_media(&creds, vec![1], "not a mime type", "x")
        .await
        .expect_err("bad mime type");
    assert_eq!(refused.kind, ErrorKind::Permanent);
}

#[tokio::test]
async fn templates_follow_paging() {
    let (fake, client, _) = setup().await;
    let templates: Vec<Value> = (0..5)
        .map(|i| {
            json!({
                "name": format!("template_{i}"),
                "language": "it",
                "category": "UTILITY",
                "status": if i == 4 { "PENDING" } else { "APPROVED" },
                "components": [ { "type": "BODY", "text": format!("Testo {{{{1}}}} {i}") } ],
                "id": format!("{}", 1000 + i),
            })
        })
        .collect();
    fake.set_templates(templates);

    let listed = client.templates("WABA42", TOKEN).await.expect("templates");
    let names: Vec<&str> = listed.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "template_0",
            "template_1",
            "template_2",
            "template_3",
            "template_4"
        ]
    );
    assert_eq!(listed[4].status, "PENDING");
    assert_eq!(listed[0].category, "UTILITY");
    assert_eq!(listed[0].language, "it");
    assert_eq!(listed[0].components[0]["type"], "BODY");

    let requests = fake.requests();
    assert_eq!(requests.len(), 3, "5 templates at 2 per page");
    for request in &requests {
        assert_eq!(request.path, "/v21.0/WABA42/message_templates");
        assert_eq!(
            request.authorization.as_deref(),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }

    fake.set_templates(vec![]);
    assert!(client
        .templates("WABA42", TOKEN)
        .await
        .expect("empty")
        .is_empty());
}

// ---------------------------------------------------------------------------------------------
// The access token.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_token_is_a_bearer_and_never_shown_in_errors() {
    let (fake, client, creds) = setup().await;
    fake.require_token(TOKEN);
    client.send(&creds, TO, &hello()).await.expect("accepted");

    let wrong = Credentials {
        phone_number_id: PHONE_NUMBER_ID.into(),
        access_token: "EAAG-wrong-token-also-secret".into(),
    };
    let error = client
        .send(&wrong, TO, &hello())
        .await
        .expect_err("refused");
    assert_eq!(error.kind, ErrorKind::Permanent);
    assert_eq!(error.error.code, 190);
    assert_eq!(error.http_status, Some(401));

    let mut errors: Vec<GraphError> = vec![error];
    errors.push(
        client
            .media_url(&wrong, "1")
            .await
            .expect_err("media refused"),
    );
    errors.push(
        client
            .templates("WABA", "EAAG-wrong-token-also-secret")
            .await
            .expect_err("templates refused"),
    );
    fake.fail_next(1, 500, graph_error(131000, "Something went wrong"));
    errors.push(
        client
            .send(&creds, TO, &hello())
            .await
            .expect_err("scripted"),
    );
    let closed = GraphClient::new("http://127.0.0.1:1", "v21.0").expect("client");
    errors.push(
        closed
            .download(
                &creds,
                "http://127.0.0.1:1/media?access_token=EAAG-secret-token-do-not-leak",
            )
            .await
            .expect_err("nobody listening"),
    );
    for error in errors {
        for shown in [
            error.to_string(),
            format!("{error:?}"),
            SendError::from(error).to_string(),
        ] {
            assert!(!shown.contains(TOKEN), "token leaked: {shown}");
            assert!(
                !shown.contains("EAAG-wrong-token-also-secret"),
                "token leaked: {shown}"
            );
        }
    }
    assert!(!format!("{creds:?}").contains(TOKEN));
    for request in fake.requests() {
        assert!(request
            .authorization
            .as_deref()
            .is_some_and(|a| a.starts_with("Bearer EAAG-")));
        assert!(!request.query.unwrap_or_default().contains("EAAG"));
        assert!(!request
            .body
            .unwrap_or_default()
            .to_string()
            .contains("EAAG"));
    }
}

#[tokio::test]
async fn paging_links_elsewhere_are_not_followed() {
    let (fake, _, _) = setup().await;
    fake.set_templates(vec![
        json!({ "name": "a" }),
        json!({ "name": "b" }),
        json!({ "name": "c" }),
    ]);
    // A client whose base URL differs from the server's links (localhost vs 127.0.0.1).
    let port = fake
        .base_url()
        .rsplit(':')
        .next()
        .expect("port")
        .to_string();
    let client = GraphClient::new(format!("http://localhost:{port}"), "v21.0").expect("client");
    let error = client
        .templates("WABA", TOKEN)
        .await
        .expect_err("foreign next link refused");
    assert_eq!(error.kind, ErrorKind::Permanent);
    assert_eq!(fake.requests().len(), 1);
}
