//! Every `AiRecords` method: settings, knowledge files, translations, recent messages and
//! answer claims.

use crate::common::Backend;
use crate::{err, ms, t, Port2, Transcript};
use chrono::Utc;
use waflow_store::{AiSettings, KnowledgeFile, KnowledgeRow};

fn seed() -> String {
    let message = |id: &str, direction: &str, body: &str, at: i64| {
        format!(
            "('{id}', 'ws1', 'cv1', 'num1', 'ct1', '{direction}', 'text', '{body}', 'contact', 'received', {})",
            ms(at)
        )
    };
    format!(
        "INSERT INTO conversations (id, workspace_id, number_id, contact_id, last_message_at, created_at) VALUES \
           ('cv1', 'ws1', 'num1', 'ct1', 0, 0), ('cv2', 'ws1', 'num1', 'ct2', 0, 0); \
         INSERT INTO messages (id, workspace_id, conversation_id, number_id, contact_id, direction, message_type, body, sender_kind, status, created_at) VALUES {};",
        [
            message("msg_1", "inbound", "Do you open on Sunday?", 1),
            message("msg_2", "outbound", "Yes, 10 to 4.", 2),
            message("msg_3", "inbound", "And the price of a cake?", 3),
            message("msg_4", "inbound", "Chocolate, please", 4),
        ]
        .join(", ")
    )
}

fn settings(ws: &str, credits: Option<i64>, language: Option<&str>) -> AiSettings {
    AiSettings {
        workspace_id: ws.into(),
        base_url: "https://api.openai.com/v1".into(),
        model: "gpt-4o-mini".into(),
        api_key_sealed: Some("sealed:abc".into()),
        auth: "bearer".into(),
        timeout_ms: 20_000,
        max_tokens: 400,
        transcription_model: "whisper-1".into(),
        business_prompt: "We bake cakes.".into(),
        language: language.map(String::from),
        credits,
        updated_at: t(10),
    }
}

fn item(kind: &str, title: &str) -> KnowledgeRow {
    KnowledgeRow {
        kind: kind.into(),
        title: title.into(),
        text: format!("About {title}"),
        source: "upload".into(),
    }
}

fn files(list: &[KnowledgeFile]) -> Vec<(String, String, i64)> {
    list.iter()
        .map(|f| (f.name.clone(), f.kind.clone(), f.items))
        .collect()
}

pub async fn story(s: &dyn Port2, b: &dyn Backend) -> Transcript {
    let n = b.name();
    let mut say = Transcript::new();
    b.exec(&seed()).await;
    let start = Utc::now() - chrono::Duration::seconds(1);

    // Settings: none, then as put, then replaced.
    assert_eq!(s.ai_settings("ws1").await.unwrap(), None, "{n}");
    s.put_ai_settings(&settings("ws1", Some(100), None))
        .await
        .unwrap();
    assert_eq!(
        s.ai_settings("ws1").await.unwrap(),
        Some(settings("ws1", Some(100), None))
    );
    let mut changed = settings("ws1", None, Some("fr"));
    changed.api_key_sealed = None;
    changed.updated_at = t(20);
    s.put_ai_settings(&changed).await.unwrap();
    assert_eq!(
        s.ai_settings("ws1").await.unwrap(),
        Some(changed.clone()),
        "{n}"
    );
    say.say("settings", s.ai_settings("ws1").await.unwrap());
    assert_eq!(s.ai_settings("ws2").await.unwrap(), None, "{n}");
    let e = s
        .put_ai_settings(&settings("ws_missing", None, None))
        .await
        .map_err(err);
    assert_eq!(
        e,
        Err("Backend".to_string()),
        "{n}: a workspace that does not exist"
    );

    // Knowledge files: uploading a name again replaces its items.
    let menu = s
        .replace_knowledge_file(
            "ws1",
            "menu.csv",
            "catalogue",
            &[item("product", "Cake"), item("product", "Pie")],
        )
        .await
        .unwrap();
    assert_eq!(
        (menu.name.as_str(), menu.kind.as_str(), menu.items),
        ("menu.csv", "catalogue", 2)
    );
    assert!(menu.created_at >= start, "{n}");
    let faq = s
        .replace_knowledge_file(
            "ws1",
            "faq.pdf",
            "document",
            &[item("faq", "Opening hours")],
        )
        .await
        .unwrap();
    assert_eq!(faq.items, 1, "{n}");
    let menu = s
        .replace_knowledge_file(
            "ws1",
            "menu.csv",
            "catalogue",
            &[
                item("product", "Tart"),
                item("product", "Bun"),
                item("product", "Scone"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(menu.items, 3, "{n}");
    s.replace_knowledge_file(
        "ws2",
        "menu.csv",
        "catalogue",
        &[item("product", "Elsewhere")],
    )
    .await
    .unwrap();
    let listed = s.knowledge_files("ws1").await.unwrap();
    assert_eq!(
        files(&listed),
        [
            ("faq.pdf".into(), "document".into(), 1),
            ("menu.csv".into(), "catalogue".into(), 3)
        ],
        "{n}"
    );
    assert!(listed.iter().all(|f| f.created_at >= start), "{n}");
    say.say("files", files(&listed));
    let items = s.knowledge_items("ws1").await.unwrap();
    let titles: Vec<&str> = items.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles, ["Opening hours", "Tart", "Bun", "Scone"], "{n}");
    assert_eq!(items[0], item("faq", "Opening hours"), "{n}");
    say.say("items", &items);
    let empty = s
        .replace_knowledge_file("ws1", "faq.pdf", "document", &[])
        .await
        .unwrap();
    assert_eq!(empty.items, 0, "{n}");
    assert_eq!(
        files(&s.knowledge_files("ws1").await.unwrap()).len(),
        1,
        "{n}"
    );
    s.replace_knowledge_file("ws1", "faq.pdf", "document", &[item("faq", "Parking")])
        .await
        .unwrap();
    s.delete_knowledge_file("ws1", "faq.pdf").await.unwrap();
    for (ws, name) in [("ws1", "faq.pdf"), ("ws2", "faq.pdf"), ("ws1", "none.txt")] {
        let e = s.delete_knowledge_file(ws, name).await.map_err(err);
        assert_eq!(
            e,
            Err("NotFound(knowledge file)".to_string()),
            "{n}: {ws} {name}"
        );
        say.say("delete", (ws, name, e));
    }
    assert_eq!(
        files(&s.knowledge_files("ws1").await.unwrap()),
        [("menu.csv".into(), "catalogue".into(), 3)],
        "{n}"
    );
    assert!(
        s.knowledge_items("ws_none").await.unwrap().is_empty(),
        "{n}"
    );
    assert_eq!(s.knowledge_items("ws2").await.unwrap().len(), 1, "{n}");

    // Translations: cached by workspace, text hash and language; a second put replaces.
    assert_eq!(s.translation("ws1", "h1", "fr").await.unwrap(), None, "{n}");
    s.put_translation("ws1", "h1", "fr", "Bonjour")
        .await
        .unwrap();
    s.put_translation("ws1", "h1", "fr", "Salut").await.unwrap();
    s.put_translation("ws1", "h1", "de", "Hallo").await.unwrap();
    let got = (
        s.translation("ws1", "h1", "fr").await.unwrap(),
        s.translation("ws1", "h1", "de").await.unwrap(),
        s.translation("ws1", "h1", "es").await.unwrap(),
        s.translation("ws2", "h1", "fr").await.unwrap(),
    );
    assert_eq!(
        got,
        (Some("Salut".into()), Some("Hallo".into()), None, None),
        "{n}"
    );
    say.say("translations", got);

    // Recent messages: the last ones, oldest first.
    let recent = |limit| async move {
        s.recent_messages("ws1", "cv1", limit)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(recent(2).await, ["msg_3", "msg_4"], "{n}");
    assert_eq!(
        recent(10).await,
        ["msg_1", "msg_2", "msg_3", "msg_4"],
        "{n}"
    );
    assert_eq!(recent(-1).await.len(), 4, "{n}");
    assert!(recent(0).await.is_empty(), "{n}");
    let two = s.recent_messages("ws1", "cv1", 2).await.unwrap();
    assert_eq!(two[1].text, "Chocolate, please", "{n}");
    say.say("recent", &two);
    assert!(
        s.recent_messages("ws2", "cv1", 10)
            .await
            .unwrap()
            .is_empty(),
        "{n}"
    );

    // Claims: one run answers a burst; a newer message moves the claim.
    let claims = [
        ("cv1", "msg_1", "run_a", true),
        ("cv1", "msg_1", "run_b", false),
        ("cv1", "msg_1", "run_a", true),
        ("cv1", "msg_3", "run_b", true),
        ("cv1", "msg_1", "run_a", false),
        ("cv1", "msg_3", "run_a", false),
        ("cv1", "msg_3", "run_b", true),
        ("cv2", "msg_1", "run_c", true),
    ];
    for (conversation, message, run, want) in claims {
        let got = s.claim_ai_answer(conversation, message, run).await.unwrap();
        assert_eq!(got, want, "{n}: {conversation} {message} {run}");
        say.say("claim", (conversation, message, run, got));
    }
    say
}
