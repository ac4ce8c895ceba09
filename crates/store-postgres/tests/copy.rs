//! `copy_from_sqlite`: a SQLite database with rows in every table, written through the store's
//! own APIs, copied into a fresh PostgreSQL database: the report counts every row, both databases
//! then hold the same rows, and the store answers the same reads on both. And the refusals: a
//! target holding rows, a SQLite database at another migration, schemas that differ.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use common::{tables, Backend, Postgres, Sqlite, Val};
use serde_json::{json, Value};
use waflow_domain::Notice;
use waflow_store::*;
use waflow_store_postgres::{copy_from_sqlite, testing, PgStore};

fn t(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(1_767_225_600_000 + seconds * 1000)
        .unwrap()
}

/// Writes rows into every table of `store`, through its APIs; returns the workspace id.
async fn fill(store: &dyn Store) -> String {
    let ws = store.ensure_default_workspace().await.unwrap().id;
    store.workspace_by_name_or_create("second").await.unwrap();
    let agent = store
        .insert_agent(&ws, "Ann Agent", "ann@example.com", "owner")
        .await
        .unwrap();
    store
        .set_agent_password(&ws, &agent.id, "$argon2id$hash")
        .await
        .unwrap();
    let hash = "a".repeat(64);
    store
        .insert_token(
            NewToken {
                workspace_id: &ws,
                name: "cli",
                hash: &hash,
                agent_id: Some(&agent.id),
                expires_at: Some(t(86_400)),
            },
            t(0),
        )
        .await
        .unwrap();
    let cloud = store
        .insert_channel_number(
            &ws,
            &NewNumber {
                label: "Cloud".into(),
                channel: "cloud_api".into(),
                status: "connected".into(),
                external_id: Some("pnid-1".into()),
                settings: json!({"waba_id": "w1"}),
                sealed_secrets: Some("sealed:credentials".into()),
            },
        )
        .await
        .unwrap();
    let number = store
        .insert_number(&ws, "Main", "sandbox", "connected")
        .await
        .unwrap()
        .id;
    store
        .replace_templates(
            &ws,
            &cloud.id,
            &[MessageTemplate {
                name: "welcome".into(),
                language: "en".into(),
                category: "UTILITY".into(),
                status: "APPROVED".into(),
                approved: true,
                components: json!([{"type": "BODY", "text": "Hi {{1}}"}]),
                synced_at: t(1),
            }],
        )
        .await
        .unwrap();
    let fields: serde_json::Map<String, Value> =
        serde_json::from_value(json!({"city": "Zürich", "score": 7, "vip": true})).unwrap();
    let zoe = store
        .insert_contact(
            &ws,
            "+15550001",
            "Zoë ☃ \"quoted\"\nnewline",
            &ContactPatch {
                tags: Some(vec!["vip".into()]),
                fields: Some(fields),
                assigned_agent_id: Some(Some(agent.id.clone())),
                ..ContactPatch::default()
            },
        )
        .await
        .unwrap();
    store
        .insert_contact(
            &ws,
            "+15550002",
            "Blocked",
            &ContactPatch {
                blocked: Some(true),
                excluded_from_automation: Some(true),
                opted_out: Some(true),
                ..ContactPatch::default()
            },
        )
        .await
        .unwrap();
    let wf = store
        .insert_workflow(
            &ws,
            &WorkflowWrite {
                name: "Welcome".into(),
                active: true,
                priority: 1,
                trigger_type: "keyword".into(),
                phrase_key: Some("hello".into()),
                scope_number_id: Some(number.clone()),
                document: json!({"name": "Welcome", "steps": []}),
            },
        )
        .await
        .unwrap();
    store
        .update_workflow(
            &ws,
            &wf.id,
            &WorkflowWrite {
                name: "Welcome".into(),
                active: false,
                priority: 2,
                trigger_type: "keyword".into(),
                phrase_key: None,
                scope_number_id: None,
                document: json!({"name": "Welcome", "steps": [{"id": "s1"}]}),
            },
        )
        .await
        .unwrap();
    store
        .set_workflow_draft(&ws, &wf.id, Some(&json!({"draft": true})))
        .await
        .unwrap();
    store
        .insert_test_version(&ws, &wf.id, &json!({"test": 1}))
        .await
        .unwrap();
    store
        .insert_workflow_set(&ws, "set_1", &json!([[wf.id, 2]]))
        .await
        .unwrap();

    // The engine's transaction: a conversation, messages, a run with a timer, tickets, events...
    let mut tx = store.begin().await.unwrap();
    let bob = tx
        .upsert_contacts(
            &[ContactKey {
                workspace_id: ws.clone(),
                phone: "+15550003".into(),
                name: "Bob".into(),
            }],
            t(2),
        )
        .await
        .unwrap()[0]
        .0
        .id
        .clone();
    let key = |contact: &str| ConversationKey {
        workspace_id: ws.clone(),
        number_id: number.clone(),
        contact_id: contact.into(),
    };
    let cv = tx.touch_conversations(&[key(&zoe.id)], t(3)).await.unwrap()[0].clone();
    let cv_bob = tx.ensure_conversation(&key(&bob), t(3)).await.unwrap();
    let inbound = |cv: &str, contact: &str, cmid: &str, kind: &str, text: &str, at| NewInbound {
        workspace_id: ws.clone(),
        conversation_id: cv.into(),
        number_id: number.clone(),
        contact_id: contact.into(),
        message_type: kind.into(),
        text: text.into(),
        channel_message_id: cmid.into(),
        payload: (kind == "text").then(|| json!({"raw": [1, 2]})),
        reply_to: None,
        at: t(at),
    };
    let ids = tx
        .insert_inbound(&[
            inbound(&cv, &zoe.id, "wamid.1", "text", "hello", 4),
            inbound(&cv_bob, &bob, "wamid.2", "text", "hi", 5),
            inbound(&cv, &zoe.id, "wamid.3", "edit", "hello!", 6),
        ])
        .await
        .unwrap();
    let first = ids[0].clone().unwrap();
    tx.apply_notice(&NoticeWrite {
        workspace_id: ws.clone(),
        number_id: number.clone(),
        contact_id: zoe.id.clone(),
        message_id: ids[2].clone().unwrap(),
        at: t(6),
        notice: Notice::Edited {
            original: "wamid.1".into(),
            text: "hello!".into(),
        },
    })
    .await
    .unwrap();
    assert!(tx
        .claim_date_fire(&wf.id, &zoe.id, "2026-01-01", t(7))
        .await
        .unwrap());
    let run = Run {
        id: new_id("run"),
        workspace_id: ws.clone(),
        workflow_id: wf.id.clone(),
        workflow_version: 2,
        contact_id: zoe.id.clone(),
        number_id: number.clone(),
        conversation_id: cv.clone(),
        state: waflow_store::RunState::Waiting,
        current_step: Some("s1".into()),
        variables: json!({"answer": 42}),
        history: json!([{"step": "s0"}]),
        created_at: t(8),
        updated_at: t(8),
    };
    let by = || ChangedBy {
        kind: "agent",
        reference: Some(agent.id.clone()),
    };
    tx.apply(&Writes {
        new_runs: vec![run.clone()],
        timers: vec![NewTimer {
            run_id: run.id.clone(),
            workspace_id: ws.clone(),
            step_id: "s1".into(),
            kind: "timeout".into(),
            due_at: t(3600),
        }],
        outbound: vec![NewOutbound {
            id: new_id("msg"),
            workspace_id: ws.clone(),
            conversation_id: cv.clone(),
            number_id: number.clone(),
            contact_id: zoe.id.clone(),
            message_type: "text".into(),
            text: "Welcome!".into(),
            payload: None,
            sender_kind: "run",
            sender_ref: Some(run.id.clone()),
            at: t(9),
        }],
        contact_lists: [(zoe.id.clone(), vec!["newsletter".to_string()])].into(),
        tickets: vec![TicketChange::Open {
            id: new_id("tkt"),
            workspace_id: ws.clone(),
            contact_id: zoe.id.clone(),
            number_id: Some(number.clone()),
            subject: "Help".into(),
            by: by(),
        }],
        events: vec![NewEvent {
            workspace_id: ws.clone(),
            kind: "list_added".into(),
            contact_id: zoe.id.clone(),
            number_id: Some(number.clone()),
            detail: json!({"list": "newsletter"}),
        }],
        notifications: vec![Notification {
            id: new_id("ntf"),
            workspace_id: ws.clone(),
            agent_id: Some(agent.id.clone()),
            contact_id: zoe.id.clone(),
            run_id: Some(run.id.clone()),
            text: "Zoë needs help".into(),
            created_at: t(9),
            read_at: None,
        }],
        counters: [((wf.id.clone(), String::new(), "entered"), 3)].into(),
        logs: vec![LogEntry {
            id: new_id("log"),
            workspace_id: ws.clone(),
            created_at: t(9),
            kind: "run".into(),
            outcome: "started".into(),
            summary: "started Welcome".into(),
            number_id: Some(number.clone()),
            contact_id: Some(zoe.id.clone()),
            message_id: Some(first.clone()),
            workflow_id: Some(wf.id.clone()),
            run_id: Some(run.id.clone()),
            detail: json!({"why": "keyword"}),
        }],
        at: Some(t(9)),
        ..Writes::default()
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();

    store
        .insert_log(&LogEntry {
            id: new_id("log"),
            workspace_id: ws.clone(),
            created_at: t(10),
            kind: "number".into(),
            outcome: "connected".into(),
            summary: "Main connected".into(),
            number_id: Some(number.clone()),
            contact_id: None,
            message_id: None,
            workflow_id: None,
            run_id: None,
            detail: json!({}),
        })
        .await
        .unwrap();
    let deliveries = store
        .insert_webhook_deliveries(&[
            NewWebhookDelivery {
                workspace_id: ws.clone(),
                number_id: cloud.id.clone(),
                body: r#"{"entry":[]}"#.into(),
            },
            NewWebhookDelivery {
                workspace_id: ws.clone(),
                number_id: cloud.id.clone(),
                body: r#"{"entry":[1]}"#.into(),
            },
        ])
        .await
        .unwrap();
    store
        .finish_webhook_deliveries(&[(deliveries[0].clone(), Some("bad entry".into()))])
        .await
        .unwrap();
    store
        .insert_template(&ws, "Mine", "my template", &json!({"steps": []}))
        .await
        .unwrap();
    store
        .put_ai_settings(&AiSettings {
            workspace_id: ws.clone(),
            base_url: "http://ai.invalid/v1".into(),
            model: "m".into(),
            api_key_sealed: Some("sealed:key".into()),
            auth: "bearer".into(),
            timeout_ms: 20_000,
            max_tokens: 500,
            transcription_model: "whisper".into(),
            business_prompt: "We sell bikes.".into(),
            language: Some("it".into()),
            credits: Some(100),
            updated_at: t(11),
        })
        .await
        .unwrap();
    store
        .replace_knowledge_file(
            &ws,
            "faq.csv",
            "csv",
            &[KnowledgeRow {
                kind: "faq".into(),
                title: "Opening hours".into(),
                text: "9 to 5".into(),
                source: "faq.csv:2".into(),
            }],
        )
        .await
        .unwrap();
    store
        .put_translation(&ws, &"b".repeat(64), "it", "ciao")
        .await
        .unwrap();
    assert!(store.claim_ai_answer(&cv, &first, &run.id).await.unwrap());
    store
        .insert_scheduled(&NewScheduled {
            id: new_id("sch"),
            workspace_id: ws.clone(),
            number_id: number.clone(),
            phone: "+15550001".into(),
            contact_id: Some(zoe.id.clone()),
            message_type: "text".into(),
            text: "Reminder".into(),
            content: None,
            fallback: Some(json!({"text": "Reminder"})),
            at: "2026-02-01T09:00".into(),
            time_zone: "Europe/Rome".into(),
            due_at: t(7200),
            created_by: Some(agent.id.clone()),
            now: t(12),
        })
        .await
        .unwrap();
    store
        .insert_campaign(&NewCampaign {
            id: new_id("cmp"),
            workspace_id: ws.clone(),
            name: "Spring".into(),
            number_ids: vec![number.clone()],
            audience: json!({"all": true}),
            query: AudienceQuery {
                audience: Audience::All,
                exclude_tag: None,
            },
            content: json!({"text": "Spring sale"}),
            start_at: t(9000),
            expected_seconds: 60,
            now: t(13),
        })
        .await
        .unwrap();
    let import = store.insert_import(&ws, 1234, t(14)).await.unwrap();
    store
        .finish_import(
            &ws,
            &import.id,
            ImportCounts {
                bytes_read: 1234,
                rows: 3,
                created: 2,
                updated: 0,
                bad: 1,
            },
            &[BadRow {
                line: 3,
                reason: "phone \"x\" is not a number".into(),
            }],
            ImportEnd::Done,
            t(15),
        )
        .await
        .unwrap();
    // The cluster's rows: a node's heartbeat and a lease it holds.
    let node = waflow_store::NodeRow {
        id: "node_copy".into(),
        address: "127.0.0.1:8080".into(),
        version: "0.1.0".into(),
        started_at: t(16),
        heartbeat_at: t(16),
    };
    store.heartbeat(&node, t(17)).await.unwrap();
    assert!(store
        .take_lease("linked:num_copy", &node.id, t(17), t(18))
        .await
        .unwrap());
    ws
}

/// Fails naming every table of `b` that holds no row.
async fn assert_every_table_has_rows(b: &dyn Backend) {
    let mut empty = Vec::new();
    for table in tables(b).await {
        if b.value(&format!("SELECT COUNT(*) FROM {table}")).await == Val::Int(0) {
            empty.push(table);
        }
    }
    assert!(empty.is_empty(), "{}: empty tables: {empty:?}", b.name());
}

/// Every table's rows, sorted.
async fn dump(b: &dyn Backend) -> Vec<(String, Vec<Vec<Val>>)> {
    let mut out = Vec::new();
    for table in tables(b).await {
        let mut rows = b.rows(&format!("SELECT * FROM {table}")).await;
        rows.sort();
        out.push((table, rows));
    }
    out
}

/// The same read on both stores, compared as JSON (`json`) or as Debug text (`debug`).
macro_rules! same {
    ($stores:expr, $how:ident, |$s:ident| $call:expr) => {{
        let mut answers = Vec::new();
        for $s in $stores {
            let answer = $call
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", stringify!($call)));
            answers.push(same!(@$how answer));
        }
        assert_eq!(answers[0], answers[1], "{} differs", stringify!($call));
        answers.remove(0)
    }};
    (@json $v:expr) => { serde_json::to_value(&$v).unwrap().to_string() };
    (@debug $v:expr) => { format!("{:?}", $v) };
}

#[tokio::test]
async fn every_row_of_every_table_is_copied_and_reads_the_same() {
    let sqlite = Sqlite::new().await;
    let ws = fill(sqlite.store()).await;
    assert_every_table_has_rows(&sqlite).await;

    let postgres = Postgres::new().await;
    let report = copy_from_sqlite(sqlite.path(), &postgres.store)
        .await
        .unwrap();
    let names = tables(&sqlite).await;
    assert_eq!(report.tables.len(), names.len(), "{report:?}");
    for copied in &report.tables {
        let count = sqlite
            .value(&format!("SELECT COUNT(*) FROM {}", copied.table))
            .await;
        assert_eq!(Val::Int(copied.rows as i64), count, "{}", copied.table);
        assert!(copied.rows > 0 && copied.checksum.len() == 64, "{copied:?}");
    }
    let position = |t: &str| report.tables.iter().position(|c| c.table == t).unwrap();
    assert!(position("workspaces") < position("contacts"));
    assert!(position("contacts") < position("conversations"));
    assert!(position("conversations") < position("messages"));
    assert!(position("messages") < position("message_edits"));
    assert!(position("tickets") < position("ticket_history"));
    assert_eq!(
        report.total_rows(),
        report.tables.iter().map(|t| t.rows).sum::<u64>()
    );

    // Identical rows, table by table.
    let (s, p) = (dump(&sqlite).await, dump(&postgres).await);
    for ((table, rows), (pg_table, pg_rows)) in s.iter().zip(&p) {
        assert_eq!(table, pg_table);
        assert_eq!(rows, pg_rows, "table {table} differs");
    }
    assert_eq!(s.len(), p.len());

    // The same answers through the store's reads.
    let stores: [&dyn Store; 2] = [sqlite.store(), &postgres.store];
    same!(stores, debug, |s| s.workspaces());
    same!(stores, json, |s| s.agents(&ws));
    same!(stores, json, |s| s.tokens(&ws, None));
    let numbers = same!(stores, json, |s| s.numbers(&ws));
    same!(stores, debug, |s| s.channel_numbers("cloud_api"));
    let contacts = same!(stores, json, |s| s.contacts(
        &ws,
        &ContactFilter {
            limit: 100,
            ..ContactFilter::default()
        }
    ));
    let conversations = same!(stores, json, |s| s.conversations(
        &ws,
        &ConversationFilter {
            limit: 100,
            ..ConversationFilter::default()
        }
    ));
    let conversations: Vec<Value> = serde_json::from_str(&conversations).unwrap();
    assert_eq!(conversations.len(), 2);
    for cv in &conversations {
        let id = cv["id"].as_str().unwrap();
        let messages = same!(stores, json, |s| s.messages(&ws, id, None, 100));
        assert_ne!(messages, "[]");
    }
    let workflows = same!(stores, json, |s| s.workflows(&ws));
    let workflows: Vec<Value> = serde_json::from_str(&workflows).unwrap();
    let wf = workflows[0]["id"].as_str().unwrap();
    same!(stores, json, |s| s.workflow(&ws, wf));
    same!(stores, json, |s| s.workflow_versions(&ws, wf));
    same!(stores, json, |s| s.workflow_draft(&ws, wf));
    same!(stores, json, |s| s.workflow_counters(&ws, wf));
    same!(stores, json, |s| s.latest_test_version(&ws, wf));
    same!(stores, json, |s| s.workflow_set(&ws, "set_1"));
    same!(stores, json, |s| s.logs(
        &ws,
        &LogFilter {
            limit: 100,
            ..LogFilter::default()
        }
    ));
    same!(stores, json, |s| s.notifications(&ws, None, None, 100));
    let tickets = same!(stores, json, |s| s.tickets(
        &ws,
        &TicketFilter {
            limit: 100,
            ..TicketFilter::default()
        }
    ));
    let tickets: Vec<Value> = serde_json::from_str(&tickets).unwrap();
    let ticket = tickets[0]["id"].as_str().unwrap();
    same!(stores, json, |s| s.ticket(&ws, ticket));
    same!(stores, json, |s| s.lists(&ws));
    same!(stores, json, |s| s.templates_of(&ws));
    same!(stores, json, |s| s.pending_events(100));
    same!(stores, debug, |s| s.pending_webhook_deliveries(100));
    same!(stores, debug, |s| s.ai_settings(&ws));
    same!(stores, json, |s| s.knowledge_files(&ws));
    same!(stores, debug, |s| s.knowledge_items(&ws));
    same!(stores, json, |s| s.translation(&ws, &"b".repeat(64), "it"));
    same!(stores, json, |s| s.scheduled_list(
        &ws,
        &ScheduledFilter {
            tab: ScheduledTab::All,
            from: None,
            to: None,
            after: None,
            limit: 100
        }
    ));
    let campaigns = same!(stores, json, |s| s.campaigns(&ws, None, 100));
    let campaigns: Vec<Value> = serde_json::from_str(&campaigns).unwrap();
    let campaign = campaigns[0]["id"].as_str().unwrap();
    same!(stores, json, |s| s
        .recipients(&ws, campaign, None, None, 100));
    same!(stores, json, |s| s.contact_imports(&ws, 100));
    let contacts: Vec<Value> = serde_json::from_str(&contacts).unwrap();
    for c in &contacts {
        let id = c["id"].as_str().unwrap();
        same!(stores, json, |s| s.runs_of_contact(&ws, id));
    }
    let numbers: Vec<Value> = serde_json::from_str(&numbers).unwrap();
    for n in &numbers {
        let id = n["id"].as_str().unwrap();
        same!(stores, json, |s| s.templates(&ws, id));
    }

    // New rows get new numbers: the identity sequences are past the copied ones.
    let max_seq = postgres
        .value("SELECT MAX(seq) FROM automation_events")
        .await;
    postgres
        .exec(
            "INSERT INTO automation_events (workspace_id, kind, contact_id, created_at) \
             VALUES ('x', 'k', 'c', 0)",
        )
        .await;
    assert_eq!(
        postgres
            .value("SELECT MAX(seq) FROM automation_events")
            .await,
        Val::Int(max_seq.int() + 1)
    );
    // Writes work on the copy.
    postgres
        .store
        .insert_contact(&ws, "+15550099", "New", &ContactPatch::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_target_with_rows_is_refused_and_left_as_it_was() {
    let sqlite = Sqlite::new().await;
    fill(sqlite.store()).await;
    let postgres = Postgres::new().await;
    postgres.store.ensure_default_workspace().await.unwrap();
    let before = dump(&postgres).await;
    let e = copy_from_sqlite(sqlite.path(), &postgres.store)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("not empty") && e.contains("workspaces: 1 rows"),
        "{e}"
    );
    assert_eq!(dump(&postgres).await, before);

    // Copying twice: the second copy is refused the same way.
    let url = testing::fresh_database().await;
    let target = PgStore::open(&url, 2).await.unwrap();
    copy_from_sqlite(sqlite.path(), &target).await.unwrap();
    let e = copy_from_sqlite(sqlite.path(), &target)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("contacts: 3 rows"), "{e}");
}

#[tokio::test]
async fn a_database_at_another_migration_or_schema_is_refused() {
    let newest = waflow_store_sqlite::migrations().last().unwrap().0;
    let postgres = Postgres::new().await;

    let older = Sqlite::new().await;
    older
        .exec(&format!(
            "DELETE FROM _sqlx_migrations WHERE version = {newest}"
        ))
        .await;
    let e = copy_from_sqlite(older.path(), &postgres.store)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&format!("lacks migrations [{newest}]"))
            && e.contains(&format!("at migration {}", newest - 1)),
        "{e}"
    );

    let newer = Sqlite::new().await;
    newer
        .exec(
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, \
             execution_time) VALUES (9999, 'future', '2030-01-01', 1, x'00', 0)",
        )
        .await;
    let e = copy_from_sqlite(newer.path(), &postgres.store)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("[9999]") && e.contains("newer"), "{e}");

    let changed = Sqlite::new().await;
    changed
        .exec("ALTER TABLE contacts ADD COLUMN nickname TEXT")
        .await;
    let e = copy_from_sqlite(changed.path(), &postgres.store)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("column contacts.nickname is only in SQLite"),
        "{e}"
    );

    let e = copy_from_sqlite(
        std::path::Path::new("/nonexistent/waflow.db"),
        &postgres.store,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(e.contains("no SQLite database file"), "{e}");
    // Nothing was written by any refusal.
    for (table, rows) in dump(&postgres).await {
        assert!(rows.is_empty(), "{table}: {rows:?}");
    }
}
