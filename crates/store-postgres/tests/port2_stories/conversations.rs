//! Every `Conversations` method: the list with its filters and search, one conversation,
//! messages with their cursors, and delivery statuses.

use crate::common::{Backend, Val};
use crate::{err, ms, t, Port2, Transcript};
use waflow_store::{Conversation, ConversationFilter, StatusChange};

fn seed() -> String {
    format!(
        "\
INSERT INTO contacts (id, workspace_id, phone, name, created_at, updated_at) VALUES ('ct4', 'ws1', '+15550004', 'Dee', 0, 0);
INSERT INTO conversations (id, workspace_id, number_id, contact_id, last_message_at, created_at, read_up_to) VALUES
  ('cv1', 'ws1', 'num1', 'ct1', {t3}, {t1}, 'msg_01'),
  ('cv2', 'ws1', 'num1', 'ct2', {t5}, {t1}, ''),
  ('cv3', 'ws1', 'num2', 'ct3', {t6}, {t1}, ''),
  ('cv4', 'ws1', 'num2', 'ct1', 0, {t1}, ''),
  ('cv9', 'ws2', 'num9', 'ct9', {t6}, {t1}, '');
UPDATE contacts SET automation_paused_until = {t9} WHERE id = 'ct1';
INSERT INTO messages (id, workspace_id, conversation_id, number_id, contact_id, direction, message_type, body, channel_message_id, sender_kind, sender_ref, status, error, payload, reply_to, created_at, sent_at) VALUES
  ('msg_01', 'ws1', 'cv1', 'num1', 'ct1', 'inbound', 'text', 'Hello there', 'wamid.in1', 'contact', NULL, 'received', NULL, NULL, NULL, {t1}, NULL),
  ('msg_02', 'ws1', 'cv1', 'num1', 'ct1', 'outbound', 'text', 'Hi Ann', 'wamid.2', 'agent', 'ag1', 'sent', NULL, '{{\"buttons\": [\"a\"]}}', 'msg_01', {t2}, {t2}),
  ('msg_03', 'ws1', 'cv1', 'num1', 'ct1', 'inbound', 'text', 'Need HELP', 'wamid.in3', 'contact', NULL, 'received', NULL, NULL, NULL, {t3}, NULL),
  ('msg_04', 'ws1', 'cv2', 'num1', 'ct2', 'inbound', 'text', 'bonjour', 'wamid.in4', 'contact', NULL, 'received', NULL, NULL, NULL, {t4}, NULL),
  ('msg_05', 'ws1', 'cv2', 'num1', 'ct2', 'outbound', 'text', 'Salut', 'wamid.5', 'run', 'run_1', 'delivered', NULL, NULL, NULL, {t5}, {t5}),
  ('msg_06', 'ws1', 'cv3', 'num2', 'ct3', 'outbound', 'image', '', 'wamid.6', 'api', NULL, 'failed', 'bad media', NULL, NULL, {t6}, NULL),
  ('msg_07', 'ws1', 'cv2', 'num1', 'ct2', 'outbound', 'text', 'Lost', NULL, 'agent', 'ag2', 'uncertain', NULL, NULL, NULL, {t7}, NULL),
  ('msg_08', 'ws2', 'cv9', 'num9', 'ct9', 'outbound', 'text', 'Hello there', 'wamid.2', 'agent', NULL, 'sent', NULL, NULL, NULL, {t6}, {t6});
",
        t1 = ms(1),
        t2 = ms(2),
        t3 = ms(3),
        t4 = ms(4),
        t5 = ms(5),
        t6 = ms(6),
        t7 = ms(7),
        t9 = ms(9),
    )
}

fn change(channel_id: &str, status: &str, callback: Option<&str>) -> StatusChange {
    StatusChange {
        number_id: "num1".into(),
        channel_message_id: channel_id.into(),
        status: status.into(),
        error: (status == "failed").then(|| "rejected".to_string()),
        callback_message_id: callback.map(String::from),
        at: Some(t(50)),
    }
}

pub async fn story(s: &dyn Port2, b: &dyn Backend) -> Transcript {
    let n = b.name();
    let mut say = Transcript::new();
    b.exec(&seed()).await;
    let ids =
        |list: &[Conversation]| -> Vec<String> { list.iter().map(|c| c.id.clone()).collect() };

    // The list: newest first, with the last message and the unread count.
    let all = ConversationFilter {
        limit: 50,
        ..ConversationFilter::default()
    };
    let every = s.conversations("ws1", &all).await.unwrap();
    assert_eq!(ids(&every), ["cv4", "cv3", "cv2", "cv1"], "{n}");
    let cv1 = &every[3];
    assert_eq!(
        (cv1.unread, cv1.contact_name.as_str()),
        (1, "Ann Lee"),
        "{n}"
    );
    assert_eq!(cv1.automation_paused_until, Some(t(9)), "{n}");
    let last = cv1.last_message.as_ref().unwrap();
    assert_eq!(
        (last.text.as_str(), last.direction, last.status.clone()),
        ("Need HELP", "in", None)
    );
    let cv2 = &every[2];
    let last = cv2.last_message.as_ref().unwrap();
    assert_eq!(
        (last.direction, last.status.as_deref(), cv2.unread),
        ("out", Some("uncertain"), 1)
    );
    assert!(
        every[0].last_message.is_none() && every[0].last_message_at.is_none(),
        "{n}"
    );
    say.say("all", &every);
    let filter = |f: fn(&mut ConversationFilter)| {
        let mut c = all.clone();
        f(&mut c);
        c
    };
    let cases: Vec<(&str, ConversationFilter, Vec<&str>)> = vec![
        (
            "before cv3",
            filter(|f| f.before_id = Some("cv3".into())),
            vec!["cv2", "cv1"],
        ),
        (
            "of ct1",
            filter(|f| f.contact_id = Some("ct1".into())),
            vec!["cv4", "cv1"],
        ),
        (
            "on num2",
            filter(|f| f.number_id = Some("num2".into())),
            vec!["cv4", "cv3"],
        ),
        (
            "of ag1",
            filter(|f| f.assigned_to = Some("ag1".into())),
            vec!["cv4", "cv1"],
        ),
        (
            "name",
            filter(|f| f.search = Some(" ANN ".into())),
            vec!["cv4", "cv1"],
        ),
        (
            "phone",
            filter(|f| f.search = Some("0003".into())),
            vec!["cv3"],
        ),
        (
            "body",
            filter(|f| f.search = Some("help".into())),
            vec!["cv1"],
        ),
        (
            "body in two",
            filter(|f| f.search = Some("hello".into())),
            vec!["cv1"],
        ),
        (
            "ascii folding only",
            filter(|f| f.search = Some("élise".into())),
            vec![],
        ),
        (
            "rest of name",
            filter(|f| f.search = Some("lise roy".into())),
            vec!["cv2"],
        ),
        (
            "no wildcards",
            filter(|f| f.search = Some("%".into())),
            vec![],
        ),
        (
            "blank search",
            filter(|f| f.search = Some("  ".into())),
            vec!["cv4", "cv3", "cv2", "cv1"],
        ),
        ("limit 1", filter(|f| f.limit = 1), vec!["cv4"]),
        (
            "no limit",
            filter(|f| f.limit = -1),
            vec!["cv4", "cv3", "cv2", "cv1"],
        ),
        (
            "ct1 on num1 of ag1 saying hi",
            filter(|f| {
                f.contact_id = Some("ct1".into());
                f.number_id = Some("num1".into());
                f.assigned_to = Some("ag1".into());
                f.search = Some("hi".into());
                f.before_id = Some("cv2".into());
            }),
            vec!["cv1"],
        ),
    ];
    for (what, f, want) in cases {
        let got = ids(&s.conversations("ws1", &f).await.unwrap());
        assert_eq!(got, want, "{n}: {what}");
        say.say(what, got);
    }
    assert_eq!(
        ids(&s.conversations("ws2", &all).await.unwrap()),
        ["cv9"],
        "{n}"
    );

    // One conversation.
    let one = s.conversation("ws1", "cv3").await.unwrap();
    let last = one.last_message.as_ref().unwrap();
    assert_eq!(
        (last.status.as_deref(), one.contact_phone.as_str()),
        (Some("failed"), "+15550003")
    );
    say.say("cv3", &one);
    let e = s
        .conversation("ws2", "cv1")
        .await
        .map(|c| c.id)
        .map_err(err);
    assert_eq!(e, Err("NotFound(conversation)".to_string()), "{n}");
    say.say("cv1 in ws2", e);

    // Messages, oldest first after a cursor.
    let mids = |list: Vec<waflow_store::Message>| -> Vec<String> {
        list.into_iter().map(|m| m.id).collect()
    };
    let thread = s.messages("ws1", "cv1", None, 10).await.unwrap();
    assert_eq!(
        thread[1].payload,
        Some(serde_json::json!({"buttons": ["a"]})),
        "{n}"
    );
    assert_eq!(
        (thread[1].reply_to.as_deref(), thread[1].sent_at),
        (Some("msg_01"), Some(t(2)))
    );
    say.say("thread", &thread);
    assert_eq!(
        mids(s.messages("ws1", "cv1", Some("msg_01"), 1).await.unwrap()),
        ["msg_02"]
    );
    assert_eq!(
        mids(s.messages("ws1", "cv1", Some("msg_03"), 10).await.unwrap()),
        Vec::<String>::new()
    );
    assert_eq!(
        mids(s.messages("ws1", "cv1", None, -1).await.unwrap()).len(),
        3,
        "{n}"
    );
    assert!(
        s.messages("ws2", "cv1", None, 10).await.unwrap().is_empty(),
        "{n}"
    );
    let out = mids(s.outbound_messages("ws1", "num1", None, 10).await.unwrap());
    assert_eq!(out, ["msg_02", "msg_05", "msg_07"], "{n}");
    say.say("outbound num1", out);
    let out = mids(
        s.outbound_messages("ws1", "num1", Some("msg_02"), 1)
            .await
            .unwrap(),
    );
    assert_eq!(out, ["msg_05"], "{n}");
    let out = s.outbound_messages("ws1", "num2", None, 10).await.unwrap();
    assert_eq!(
        (out.len(), out[0].error.as_deref()),
        (1, Some("bad media")),
        "{n}"
    );
    assert!(
        s.outbound_messages("ws2", "num1", None, 10)
            .await
            .unwrap()
            .is_empty(),
        "{n}"
    );
    let m = s.message("ws1", "msg_06").await.unwrap();
    assert_eq!(
        (m.message_type.as_str(), m.status.as_str()),
        ("image", "failed"),
        "{n}"
    );
    say.say("msg_06", &m);
    let e = s.message("ws2", "msg_06").await.map(|m| m.id).map_err(err);
    assert_eq!(e, Err("NotFound(message)".to_string()), "{n}");

    // Statuses: forward only; unknown ids are none; a lost send found by its callback id.
    assert!(
        s.apply_message_statuses(&[]).await.unwrap().is_empty(),
        "{n}"
    );
    let applied = s
        .apply_message_statuses(&[
            change("wamid.2", "delivered", None),
            change("wamid.2", "sent", None),
            change("wamid.unknown", "read", None),
            change("wamid.7", "sent", Some("msg_07")),
            change("wamid.5", "failed", None),
            change("wamid.5", "read", None),
        ])
        .await
        .unwrap();
    let shown: Vec<Option<(String, String, bool, bool)>> = applied
        .iter()
        .map(|a| {
            a.as_ref().map(|a| {
                (
                    a.message.id.clone(),
                    a.message.status.to_string(),
                    a.changed,
                    a.reconciled,
                )
            })
        })
        .collect();
    let some = |id: &str, status: &str, changed, reconciled| {
        Some((id.into(), status.into(), changed, reconciled))
    };
    assert_eq!(
        shown,
        [
            some("msg_02", "delivered", true, false),
            some("msg_02", "delivered", false, false),
            None,
            some("msg_07", "sent", false, true),
            some("msg_05", "failed", true, false),
            some("msg_05", "failed", false, false),
        ],
        "{n}"
    );
    say.say("applied", &shown);
    let rows = b
        .rows("SELECT id, status, channel_message_id, error, sent_at FROM messages WHERE id IN ('msg_05', 'msg_07', 'msg_08') ORDER BY id")
        .await;
    assert_eq!(rows[1][4], Val::Int(ms(50)), "{n}");
    assert_eq!(
        rows[2][1],
        Val::Text("sent".into()),
        "{n}: another workspace's number is untouched"
    );
    say.say("messages after statuses", rows);
    say
}
